"""The sandboxed render (render_sandbox.js through TypeChecker.check_and_render): every
story renders in a fresh jsdom window, what the code tries is trapped, loops time out, and
axe-core reports on each story. Skipped without Node.js or the npm packages."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from config.settings import get_settings
from tests.unit.workers.chain.quality.test_typecheck import typecheck_or_skip
from workers.chain.quality.typecheck import (
    RenderReport,
    TypeChecker,
    TypeCheckUnavailable,
)

STORIES = """import type { Meta, StoryObj } from "@storybook/react";
import { Badge } from "./component";

const meta = {
  title: "Badge", component: Badge, args: { label: "New" },
} satisfies Meta<typeof Badge>;
export default meta;
type Story = StoryObj<typeof meta>;

export const Default: Story = {};
export const Red: Story = { args: { tone: "red" } };
export const Tagged: Story = { args: { tag: "b" } };
"""

BADGE = """import React from "react";

export interface BadgeProps { label: string; tone?: "blue" | "red"; tag?: string; boom?: boolean }

export function Badge({ label, tone = "blue", tag = "a", boom = false }: BadgeProps) {
  if (boom) throw new Error("the badge blew up");
  const color = tone === "blue" ? "rgb(0, 0, 255)" : "rgb(255, 0, 0)";
  return <span data-tag={tag} id={`badge-${tag}`} className={`badge-${tag}`} aria-label={tag}
    style={{ color, padding: "4px" }}>{label}</span>;
}
export default Badge;
"""


def render_or_skip() -> TypeChecker:
    checker = typecheck_or_skip()
    try:
        checker.check_and_render(
            {"component.tsx": "export default function C() { return null; }\n"},
            allowed_packages=(),
            timeout_s=2.0,
            axe=False,
        )
    except TypeCheckUnavailable as exc:
        pytest.skip(f"render sandbox unavailable: {exc}")
    return checker


def render(
    component: str,
    stories: str | None = None,
    *,
    allowed: tuple[str, ...] = (),
    hosts: tuple[str, ...] = (),
    timeout_s: float = 2.0,
    axe: bool = False,
) -> RenderReport:
    files = {"component.tsx": component}
    if stories is not None:
        files["stories.tsx"] = stories
    _, report = render_or_skip().check_and_render(
        files, allowed_packages=allowed, url_hosts=hosts, timeout_s=timeout_s, axe=axe
    )
    return report


def one(body: str, jsx: str = "<p>ok</p>", imports: str = "") -> str:
    """A component whose body runs `body` before returning `jsx`."""
    return (
        f'import React from "react";\n{imports}\n'
        f"export default function Probe(): React.ReactElement {{\n{body}\n  return {jsx};\n}}\n"
    )


def test_each_story_renders_with_a_fingerprint_of_what_is_on_screen() -> None:
    report = render(BADGE, STORIES, axe=True)
    assert report.error is None and report.traps == ()
    default, red, tagged = report.stories
    assert [s.name for s in report.stories] == ["Default", "Red", "Tagged"]
    assert [s.error for s in report.stories] == [None, None, None]
    assert red.args == {"label": "New", "tone": "red"}  # meta's args merged with the story's
    assert default.text == "New" and 'data-tag="a"' in default.html
    assert "color:rgb(0, 0, 255)" in default.screen and "padding:4px" in default.screen
    assert default.screen != red.screen  # another colour
    # Only data-*, id, class and aria-* differ: the same on screen.
    assert 'data-tag="b"' in tagged.html and default.screen == tagged.screen
    assert [s.axe for s in report.stories] == [(), (), ()]
    assert all(s.axe_error is None for s in report.stories)


def test_style_rules_count_in_the_fingerprint_classes_themselves_do_not() -> None:
    component = """import React from "react";
const css = ".warm { color: rgb(200, 0, 0); font-size: 18px }"
  + " .cool { color: rgb(0, 0, 200); font-size: 18px }"
  + " .cold { color: rgb(0, 0, 200); font-size: 18px }";
export function Note({ look = "warm" }: { look?: string }): React.ReactElement {
  return <div><style>{css}</style><p className={look}>Hello   there</p></div>;
}
export default Note;
"""
    stories = """import { Note } from "./component";
export default { component: Note };
export const Warm = { args: { look: "warm" } };
export const Cool = { args: { look: "cool" } };
export const Cold = { args: { look: "cold" } };
"""
    warm, cool, cold = render(component, stories).stories
    assert warm.text == "Hello there"
    assert "font-size:18px" in warm.screen
    assert warm.screen != cool.screen  # the rule's colour differs
    assert cool.screen == cold.screen  # another class name, the same rules


def test_an_svgs_shape_counts_in_the_fingerprint() -> None:
    component = """import React from "react";
export function Icon({ d, tag }: { d: string; tag: string }): React.ReactElement {
  return <svg viewBox="0 0 10 10" data-tag={tag} aria-hidden="true"><path d={d} /></svg>;
}
export default Icon;
"""
    stories = 'import { Icon } from "./component";\nexport default { component: Icon };\n'
    stories += 'export const Tick = { args: { d: "M1 5l3 3 5-7", tag: "a" } };\n'
    stories += 'export const Cross = { args: { d: "M1 1l8 8M9 1l-8 8", tag: "a" } };\n'
    stories += 'export const Tagged = { args: { d: "M1 5l3 3 5-7", tag: "b" } };\n'
    tick, cross, tagged = render(component, stories).stories
    assert tick.screen != cross.screen and tick.screen == tagged.screen


def test_without_stories_the_component_renders_once_with_no_args() -> None:
    report = render(one("", "<b>hi</b>"))
    [story] = report.stories
    assert (story.name, story.args, story.text, story.error) == ("Default", {}, "hi", None)


def test_a_story_that_throws_reports_its_error_and_the_others_render() -> None:
    stories = STORIES + "export const Broken: Story = { args: { boom: true } };\n"
    report = render(BADGE, stories)
    errors = {s.name: s.error for s in report.stories}
    assert errors["Default"] is None and errors["Red"] is None
    assert "the badge blew up" in (errors["Broken"] or "")
    assert report.traps == ()


def test_a_module_that_throws_on_load_is_a_module_level_error() -> None:
    report = render('throw new Error("no load");\nexport default function C() { return null; }\n')
    assert report.stories == () and "no load" in (report.error or "")
    report = render(BADGE, "export const A = { args: {} };\n")
    assert "no default export" in (report.error or "")


TRAPS = {
    "network": [
        one('  React.useEffect(() => { fetch("https://x.example/"); }, []);'),
        one("  React.useEffect(() => { new XMLHttpRequest(); }, []);"),
        one("", '<img src="https://evil.example/x.png" alt="" />'),
        one("", '<img srcSet="/a.png 1x, //evil.example/b.png 2x" alt="" />'),
        one("", '<a href="http://plain.example/">plain http</a>'),
    ],
    "script-url": [
        one("", '<a href="javascript:alert(1)">x</a>'),
        one("", '<img src="data:image/svg+xml,<svg/>" alt="" />'),
    ],
    "storage": [one('  localStorage.setItem("k", "v");'), one("  void window.sessionStorage;")],
    "cookie": [one('  React.useEffect(() => { document.cookie = "a=1"; }, []);'),
               one("  const c = document.cookie; void c;")],
    "eval": [
        one('  const make = (() => {}).constructor as FunctionConstructor;\n  make("return 1")();'),
        one('  eval("1");'),
        # A host-realm function of jsdom's: its constructor is the host's Function.
        one('  const F = document.createElement.constructor as FunctionConstructor;\n'
            '  F("return process")();'),
    ],
    "timer-string": [one('  React.useEffect(() => { setTimeout("alert(1)" as never, 0); }, []);')],
    "window-open": [one('  React.useEffect(() => { window.open("https://x.example/"); }, []);')],
    "navigation": [
        one('  React.useEffect(() => { location.assign("https://x.example/"); }, []);'),
        one('  React.useEffect(() => { history.pushState({}, "", "/elsewhere"); }, []);'),
        one('  const ref = React.useRef<HTMLAnchorElement>(null);\n'
            '  React.useEffect(() => { ref.current?.click(); }, []);',
            '<a ref={ref} href="/elsewhere">go</a>'),
    ],
    "post-message": [one('  React.useEffect(() => { window.postMessage("x", "*"); }, []);')],
    "html-injection": [
        one('  const ref = React.useRef<HTMLDivElement>(null);\n'
            "  React.useEffect(() => {\n"
            '    if (ref.current) ref.current.innerHTML = "<b>x</b>";\n  }, []);',
            "<div ref={ref} />"),
        one("", '<div dangerouslySetInnerHTML={{ __html: "<b>x</b>" }} />'),
        one("  new DOMParser();"),
    ],
    "module": [
        one("  void fs;", imports='import fs from "fs";'),
        one('  React.useEffect(() => { void import("left-pad"); }, []);'),
        one("  void clsx;", imports='import clsx from "clsx";'),  # installed, not allowed
    ],
}  # fmt: skip
CASES = [(kind, i, code) for kind, codes in TRAPS.items() for i, code in enumerate(codes)]
CASE_IDS = [f"{kind}-{i}" for kind, i, _ in CASES]


@pytest.mark.parametrize(("kind", "index", "component"), CASES, ids=CASE_IDS)
def test_each_trap_is_recorded_and_fails_the_render(kind: str, index: int, component: str) -> None:
    report = render(component)
    assert kind in {trap.kind for trap in report.traps}, report
    # It threw, too: the story (or, while the modules load, the render) failed.
    errors = [s.error or "" for s in report.stories] + [report.error or ""]
    assert any("blocked by the render sandbox" in e for e in errors), report


def test_a_module_trap_while_loading_belongs_to_no_story() -> None:
    report = render(one("  void fs;", imports='import fs from "fs";'))
    assert [(t.kind, t.story) for t in report.traps] == [("module", None)]
    assert report.stories == () and "require(fs)" in (report.error or "")


def test_allowed_packages_load_inside_the_sandbox() -> None:
    component = one(
        '  const Icon = Slot; void Icon;\n  const cls = clsx("a", { b: true });',
        "<p className={cls}>{cls}</p>",
        imports='import clsx from "clsx";\nimport { Slot } from "@radix-ui/react-slot";',
    )
    report = render(component, allowed=("clsx", "@radix-ui/*"))
    assert report.traps == () and report.stories[0].text == "a b"


def test_stories_may_use_storybook_tests_fn_and_allowed_subpaths() -> None:
    stories = STORIES.replace(
        'import { Badge } from "./component";',
        'import { Badge } from "./component";\nimport { fn } from "@storybook/test";',
    ).replace('args: { label: "New" }', 'args: { label: "New", onClick: fn() }')
    report = render(BADGE, stories)
    assert report.traps == () and report.error is None
    assert report.stories[0].args == {"label": "New", "onClick": "[function]"}
    lite = one("", "<p>{clsx('a', 'b')}</p>", imports='import { clsx } from "clsx/lite";')
    assert render(lite, allowed=("clsx",)).stories[0].text == "a b"


def test_relative_urls_links_and_mail_are_no_trap() -> None:
    jsx = (
        '<div><img src="/a.png" alt="a" /><a href="https://ok.example/">https</a>'
        '<a href="mailto:a@b.c">mail</a><a href="#top">top</a><a href="tel:1">tel</a>'
        '<img src="data:image/png;base64,AAAA" alt="" /></div>'
    )
    assert render(one("", jsx), hosts=("*.example",)).traps == ()
    # https only to the hosts the tenant allowed, as the code policy says
    [trap] = render(one("", jsx)).traps
    assert trap.kind == "network" and "ok.example" in trap.detail


def test_loops_time_out_without_hanging_and_the_next_request_works() -> None:
    spin = "const spin = (): Promise<void> => Promise.resolve().then(spin); void spin();"
    for body in ("  for (;;) {}", "  React.useEffect(() => { for (;;) {} }, []);",
                 f"  React.useEffect(() => {{ {spin} }}, []);"):  # fmt: skip
        started = time.monotonic()
        report = render(one(body), timeout_s=0.5)
        [story] = report.stories
        assert story.timed_out and "timed out" in (story.error or ""), body
        assert time.monotonic() - started < 10
    assert render(one("", "<b>fine</b>")).stories[0].text == "fine"


def test_the_components_timers_run_within_a_small_budget() -> None:
    body = (
        "  const [n, setN] = React.useState(0);\n"
        "  React.useEffect(() => { const id = setInterval(() => setN((v) => v + 1), 10);"
        " return () => clearInterval(id); }, []);"
    )
    [story] = render(one(body, "<b>{n}</b>")).stories
    assert not story.timed_out and story.error is None
    assert 0 < int(story.text) <= 100  # at most 1 s of 10 ms ticks


def test_every_story_starts_from_a_fresh_window() -> None:
    component = """import React from "react";
export function Count({ label }: { label: string }): React.ReactElement {
  const w = globalThis as unknown as { seen?: number };
  w.seen = (w.seen ?? 0) + 1;
  document.body.setAttribute("data-touched", "yes");
  return <p>{label}:{w.seen}:{document.querySelectorAll("p").length}</p>;
}
export default Count;
"""
    stories = 'import { Count } from "./component";\nexport default { component: Count };\n'
    stories += "".join(f'export const S{i} = {{ args: {{ label: "s{i}" }} }};\n' for i in range(3))
    texts = [s.text for s in render(component, stories).stories]
    assert texts == ["s0:1:0", "s1:1:0", "s2:1:0"]


def test_axe_reports_an_image_without_alt_and_a_button_without_a_name() -> None:
    jsx = '<div><img src="/a.png" /><button type="button" /></div>'
    [story] = render(one("", jsx), axe=True).stories
    rules = {v.rule: v for v in story.axe}
    assert {"image-alt", "button-name"} <= set(rules)
    assert rules["image-alt"].nodes == ("img",) and rules["image-alt"].impact == "critical"
    assert rules["button-name"].help


def test_page_level_axe_rules_are_off() -> None:
    [story] = render(one("", "<p>text outside any landmark</p>"), axe=True).stories
    assert story.axe == () and story.axe_error is None


def test_a_hang_outside_the_sandboxs_timeout_kills_node_and_the_next_call_works() -> None:
    """A MutationObserver's callback runs from the host's queue, where no vm timeout
    reaches: Node gives no answer, is killed, and the next call starts it afresh."""
    checker = TypeChecker(get_settings().tsc_deps_dir, timeout_s=3)
    try:
        typecheck_or_skip()
        body = (
            "  React.useLayoutEffect(() => {\n"
            "    new MutationObserver(() => { for (;;) {} })\n"
            "      .observe(document.body, { subtree: true, childList: true });\n"
            '    document.body.appendChild(document.createElement("i"));\n'
            "  }, []);"
        )  # fmt: skip
        started = time.monotonic()
        diagnostics, report = checker.check_and_render(
            {"component.tsx": one(body)}, allowed_packages=(), timeout_s=0.3, axe=False
        )
        assert report.timed_out and report.error and diagnostics == {}
        assert time.monotonic() - started < 10
        _, report = checker.check_and_render(
            {"component.tsx": one("", "<b>again</b>")}, allowed_packages=(), timeout_s=1.0
        )
        assert report.stories[0].text == "again"
    finally:
        checker.close()


def test_node_gets_no_secret_of_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    typecheck_or_skip()
    monkeypatch.setenv("DATABASE_URL", "postgresql://user:secret@db/app")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    checker = TypeChecker(get_settings().tsc_deps_dir, timeout_s=30)
    try:
        checker.check({"component.tsx": "export {};\n"})
        assert checker._process is not None
        environ = Path(f"/proc/{checker._process.pid}/environ")
        if not environ.exists():
            pytest.skip("no /proc here")
        names = {entry.split(b"=", 1)[0] for entry in environ.read_bytes().split(b"\0") if entry}
        assert b"DATABASE_URL" not in names and b"OPENAI_API_KEY" not in names
        assert b"PATH" in names
        assert os.environ["DATABASE_URL"]  # the worker's own is untouched
        cmdline = Path(f"/proc/{checker._process.pid}/cmdline").read_bytes().split(b"\0")
        assert any(arg.startswith(b"--allow-fs-read=") for arg in cmdline)
    finally:
        checker.close()


def test_slow_stories_cannot_hold_the_checker_past_the_request_budget() -> None:
    # Given 12 stories that each spin just under the story time-out
    body = "  const end = Date.now() + 450;\n  while (Date.now() < end) {}"
    stories = 'import Probe from "./component";\nexport default { component: Probe };\n' + "".join(
        f"export const S{n} = {{ args: {{}} }};\n" for n in range(12)
    )
    started = time.monotonic()
    report = render(one(body), stories, timeout_s=0.5)
    # Then the request stops at its budget (4 story time-outs), not at 12 x 0.45 s, and
    # the stories it did not reach are timed out (findings), not silently dropped
    assert time.monotonic() - started < 4.0
    assert len(report.stories) == 12
    assert any(s.timed_out for s in report.stories)
    assert all(s.timed_out for s in report.stories[8:])
