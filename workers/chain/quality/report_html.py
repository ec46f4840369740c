"""quality-report.html: one self-contained page (inline CSS, no scripts, no external assets).
Every string that came from input is HTML-escaped."""

from __future__ import annotations

from html import escape
from typing import Any

_CSS = (
    "body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#1f2937}"
    "h1{font-size:1.5rem}h2{font-size:1.1rem;margin-top:2rem}"
    "table{border-collapse:collapse;width:100%}td,th{border:1px solid #e5e7eb;padding:.35rem .6rem;"
    "text-align:left;vertical-align:top}th{background:#f9fafb}.pass{color:#15803d}"
    ".fail{color:#b91c1c}.unknown{color:#92400e}.score{font-size:2rem;font-weight:700}"
    "code{background:#f3f4f6;padding:0 .25rem;border-radius:3px}"
)


def _verdict(passed: bool | None) -> str:
    if passed is None:
        return '<span class="unknown">not verifiable</span>'
    return '<span class="pass">pass</span>' if passed else '<span class="fail">fail</span>'


def _rows(rows: list[list[str]]) -> str:
    return "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)


def _policy_section(policy: dict[str, Any]) -> str:
    """What the code policy found in the provider's answer (and did about it), and in
    the final code."""
    e = escape
    rows = [
        [e(stage), f"<code>{e(str(f['rule']))}</code>", e(str(f["file"])),
         f"{int(f['line'])}:{int(f['column'])}", e(str(f["detail"]))]
        for stage, key in (("provider's answer", "findings"), ("final code", "final_findings"))
        for f in policy.get(key, [])
    ]  # fmt: skip
    if not rows:
        return "<h2>Code policy</h2><p>No findings.</p>"
    action = e(str(policy.get("action", "none")))
    return (
        f"<h2>Code policy</h2><p>Action: {action}.</p><table><tr><th>in</th><th>rule</th>"
        f"<th>file</th><th>line:col</th><th>detail</th></tr>{_rows(rows)}</table>"
    )


def _render_section(render: dict[str, Any]) -> str:
    """The sandboxed render: stories rendered, traps hit, and axe-core's violations."""
    e = escape
    if not render.get("checked"):
        return f"<h2>Sandboxed render</h2><p>Not rendered: {e(str(render.get('reason')))}.</p>"
    stories = ", ".join(f"<code>{e(str(name))}</code>" for name in render.get("stories", []))
    traps = [[e(str(t["story"] or "(module)")), f"<code>{e(str(t['kind']))}</code>",
              e(str(t["detail"]))] for t in render.get("traps", [])]  # fmt: skip
    axe = [
        [e(str(v["story"])), f"<code>{e(str(v['rule']))}</code>", e(str(v["impact"])),
         e(str(v["help"])), e(", ".join(v["nodes"]))]
        for v in render.get("axe", [])
    ]  # fmt: skip
    same = "; ".join(" = ".join(e(n) for n in pair) for pair in render.get("identical_stories", []))
    html = f"<h2>Sandboxed render</h2><p>Stories rendered: {stories or 'none'}.</p>"
    if traps:
        html += ("<table><tr><th>story</th><th>trap</th><th>detail</th></tr>"
                 f"{_rows(traps)}</table>")  # fmt: skip
    if same:
        html += f"<p>Stories that render the same on screen: {same}.</p>"
    html += "<h2>Accessibility (axe-core)</h2>"
    if not axe:
        return html + "<p>No violations in any story.</p>"
    return html + (
        "<table><tr><th>story</th><th>rule</th><th>impact</th><th>help</th><th>nodes</th></tr>"
        f"{_rows(axe)}</table>"
    )


def render_report(
    *,
    component_name: str,
    component_type: str,
    quality: dict[str, Any],
    pattern_id: str,
    candidates: list[tuple[str, float]],
    notes: list[str],
) -> str:
    e = escape
    parses = quality["tsx_parses"]
    parse_rows = [[f"<code>{e(name)}</code>", _verdict(ok)] for name, ok in parses.items()]
    check_rows = [[e(c["name"]), _verdict(c["passed"]), e(c["detail"])] for c in quality["checks"]]
    tokens = quality["tokens"]
    token_rows = [[f"<code>{e(t)}</code>", "applied"] for t in tokens["applied"]]
    token_rows += [
        [f"<code>{e(t)}</code>", "declared, not used by a style"] for t in tokens["unused"]
    ]
    pattern_rows = [
        [f"<code>{e(pid)}</code>", f"{score:g}", "chosen" if pid == pattern_id else ""]
        for pid, score in candidates
    ]
    requirements = quality["requirements"]
    missing = ", ".join(e(m) for m in requirements["missing"]) or "none"
    note_items = "".join(f"<li>{e(n)}</li>" for n in notes) or "<li>none</li>"
    typescript = quality.get("typescript", {})
    if typescript.get("checked"):
        ts_line = f"checked with TypeScript {e(str(typescript.get('version')))} in strict mode"
    else:
        ts_line = f"not run ({e(str(typescript.get('reason', 'unavailable')))}); parse only"
    adherence = tokens.get("adherence", {})
    policy_html = _policy_section(quality.get("policy", {}))
    policy_html += _render_section(quality.get("render", {}))
    raw = ", ".join(f"<code>{e(v)}</code>" for v in adherence.get("raw", [])) or "none"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Quality report: {e(component_name)}</title><style>{_CSS}</style></head>
<body>
<h1>Quality report: <code>{e(component_name)}</code> ({e(component_type)})</h1>
<p class="score">{quality["score"]:.3f}</p>
<p>{"Passed" if quality["passed"] else "Needs attention"}: {requirements["implemented"]} of
{requirements["total"]} requirements implemented; missing: {missing}.</p>
<h2>TSX parses</h2><table><tr><th>file</th><th>result</th></tr>{_rows(parse_rows)}</table>
<p>Types: {ts_line}.</p>
<h2>Requirements</h2><table><tr><th>requirement</th><th>result</th><th>detail</th></tr>
{_rows(check_rows)}</table>
{policy_html}
<h2>Design tokens</h2>
<p>Token adherence: {adherence.get("share", 0):.0%} of colours and sizes in the code come from
the tokens; other literals: {raw}.</p>
<table><tr><th>CSS variable</th><th>use</th></tr>{_rows(token_rows)}</table>
<h2>Pattern</h2><table><tr><th>pattern</th><th>score</th><th></th></tr>{_rows(pattern_rows)}</table>
<h2>Notes</h2><ul>{note_items}</ul>
</body></html>
"""
