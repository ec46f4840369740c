"""Design tokens as CSS custom properties, and which token fills which styling role.

Every token is declared on the component's root as `--cf-<group>-<name>`; styles refer
to them only through var(). Token values appear in code only as string literals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.tokens import Tokens
from workers.chain.codegen.tsx import kebab

# Styling role -> token names that can fill it, best first (matched as name substrings).
COLOR_ROLES = {
    "background": ("primary", "brand", "accent", "background", "surface"),
    "foreground": ("on-primary", "onprimary", "on-brand", "text", "foreground", "content"),
    "border": ("border", "outline", "divider", "muted"),
    "focus": ("focus", "ring", "primary"),
    "danger": ("danger", "error", "critical", "red"),
    "success": ("success", "positive", "green"),
    "warning": ("warning", "caution", "amber", "yellow"),
    "surface": ("surface", "background", "canvas", "white"),
    "text": ("text", "foreground", "on-surface", "content"),
    "muted": ("muted", "subtle", "secondary-text", "border"),
}
SIZE_ROLES = {
    "spacing": ("md", "medium", "base", "sm", "small"),
    "gap": ("sm", "small", "xs", "md"),
    "radius": ("md", "medium", "base", "sm", "lg"),
}


@dataclass(frozen=True)
class TokenVars:
    declarations: dict[str, str | int | float]  # --cf-... -> value, sorted
    roles: dict[str, str]  # role -> var(--cf-...)
    font: dict[str, str]  # css property -> var(--cf-...)

    def var(self, role: str, fallback: str) -> str:
        return self.roles.get(role, fallback)


def _segments(name: str) -> list[str]:
    return [s for s in re.split(r"[^a-z0-9]+", name.lower()) if s]


def _pick(names: list[str], preferences: tuple[str, ...]) -> str | None:
    """The token that best fills a role: an exact name first, then the shortest name
    ending in the wanted word ("brand-primary" for "primary", never "brand-on-primary"
    unless "on-primary" is what is wanted)."""
    for wanted in preferences:
        for name in names:
            if name.lower() == wanted:
                return name
    for wanted in preferences:
        want = _segments(wanted)
        matches = [
            n for n in names
            if _segments(n)[-len(want):] == want
            and (want[0] == "on" or "on" not in _segments(n))
        ]  # fmt: skip
        if matches:
            return min(matches, key=lambda n: (len(_segments(n)), n))
    return None


def token_vars(tokens: Tokens) -> TokenVars:
    declarations: dict[str, str | int | float] = {}
    roles: dict[str, str] = {}
    for name, value in tokens.colors.items():
        declarations[f"--cf-color-{kebab(name)}"] = value
    for name, value in tokens.spacing.items():
        declarations[f"--cf-spacing-{kebab(name)}"] = _css_size(value)
    for name, value in tokens.borderRadius.items():
        declarations[f"--cf-radius-{kebab(name)}"] = _css_size(value)
    for name, value in tokens.shadows.items():
        declarations[f"--cf-shadow-{kebab(name)}"] = value
    font: dict[str, str] = {}
    for name, typo in sorted(tokens.typography.items()):
        if isinstance(typo, dict):
            for prop, inner in typo.items():
                variable = f"--cf-font-{kebab(name)}-{kebab(prop)}"
                declarations[variable] = _css_size(inner) if prop == "fontSize" else inner
                if name == _pick(list(tokens.typography), ("body", "base", "default", "label")):
                    font.setdefault(prop, f"var({variable})")
        else:
            declarations[f"--cf-font-{kebab(name)}"] = typo
            font.setdefault("font", f"var(--cf-font-{kebab(name)})")
    if not font and tokens.typography:
        first = sorted(tokens.typography)[0]
        first_typo = tokens.typography[first]
        if isinstance(first_typo, dict):
            for prop in first_typo:
                font.setdefault(prop, f"var(--cf-font-{kebab(first)}-{kebab(prop)})")
    colour_names = sorted(tokens.colors)
    for role, preferences in COLOR_ROLES.items():
        if (picked := _pick(colour_names, preferences)) is not None:
            roles[role] = f"var(--cf-color-{kebab(picked)})"
    shadow_names = sorted(tokens.shadows)
    if (shadow := _pick(shadow_names, ("small", "sm", "elevation", "shadow", "raised"))) or (
        shadow := shadow_names[0] if shadow_names else None
    ):
        roles["shadow"] = f"var(--cf-shadow-{kebab(shadow)})"
    for role, preferences in SIZE_ROLES.items():
        group = tokens.borderRadius if role == "radius" else tokens.spacing
        prefix = "radius" if role == "radius" else "spacing"
        names = sorted(group)
        if (picked := _pick(names, preferences) or (names[0] if names else None)) is not None:
            roles[role] = f"var(--cf-{prefix}-{kebab(picked)})"
    return TokenVars(dict(sorted(declarations.items())), roles, font)


def _css_size(value: str | int | float) -> str | int | float:
    """Bare numbers in size tokens mean pixels."""
    return f"{value}px" if isinstance(value, int | float) else value
