"""Design tokens as CSS custom properties, and which token fills which styling role.

Roles: the COLOR_ROLES, SIZE_ROLES (spacing, gap, radius), shadow, border-width (from
borders.width) and size (from sizes). Scales: the spacing and font-size tokens whose names
say where they sit on a scale (sm < md < lg, 100 < 200), for props like `size`.

Every token is declared on the component's root as `--cf-<group>-<name>`; styles refer
to them only through var(). Token values appear in code only as string literals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.css_values import GRAMMARS, border_grammar, number_text, typography_property
from core.tokens import Tokens
from workers.chain.codegen.size_ranks import scale_of
from workers.chain.codegen.tsx import kebab

# Styling role -> token names that can fill it, best first (matched as name substrings).
COLOR_ROLES = {
    "background": ("primary", "brand", "accent", "background", "surface"),
    "foreground": ("on-primary", "onprimary", "on-brand", "text", "foreground", "content", "label"),
    "border": ("border", "outline", "divider", "muted"),
    "focus": ("focus", "ring", "primary"),
    "danger": ("danger", "error", "critical", "red"),
    "success": ("success", "positive", "green"),
    "warning": ("warning", "caution", "amber", "yellow"),
    "surface": ("surface", "background", "canvas", "white"),
    "text": ("text", "foreground", "on-surface", "content", "label"),
    "muted": ("muted", "subtle", "secondary-text", "border"),
    # The fills of variant props (primary, secondary, info, ...): workers.chain.codegen.looks.
    "primary": ("primary", "brand", "accent"),
    "on-primary": ("on-primary", "onprimary", "on-brand", "on-accent"),
    "secondary": ("secondary", "neutral"),
    "on-secondary": ("on-secondary", "onsecondary"),
    "info": ("info", "informative", "notice"),
}
SIZE_ROLES = {
    "spacing": ("padding", "md", "medium", "base", "sm", "small"),
    "gap": ("gap", "sm", "small", "xs", "md"),
    "radius": ("md", "medium", "base", "sm", "lg"),
}
# Nested colour groups: the one that fills the general roles, and the shade a status
# role (danger: the "error" group) takes.
DEFAULT_COLOUR_GROUPS = ("default", "info", "neutral", "primary", "base")
STATUS_ROLES = ("danger", "success", "warning", "info")
STATUS_SHADES = ("text", "foreground", "icon", "border", "background")
# A flat typography token's grammar -> the CSS property it sets on the root.
FONT_PROPERTIES = {
    "font": "font",
    "font-family": "fontFamily",
    "font-weight": "fontWeight",
    "font-size": "fontSize",
    "line-height": "lineHeight",
    "letter-spacing": "letterSpacing",
}
FONT_OWNERS = ("body", "base", "default", "font", "text", "label")


@dataclass(frozen=True)
class TokenVars:
    declarations: dict[str, str | int | float]  # --cf-... -> value, sorted
    roles: dict[str, str]  # role -> var(--cf-...)
    font: dict[str, str]  # css property -> var(--cf-...)
    # "spacing" / "font-size" -> var(--cf-...) -> its rank on the scale (size_ranks)
    scales: dict[str, dict[str, int]] = field(default_factory=dict)

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
    _colours(tokens, declarations, roles)
    for name, value in tokens.spacing.items():
        declarations[f"--cf-spacing-{kebab(name)}"] = _css_size(value)
    for name, value in tokens.borderRadius.items():
        declarations[f"--cf-radius-{kebab(name)}"] = _css_size(value)
    for name, value in tokens.shadows.items():
        declarations[f"--cf-shadow-{kebab(name)}"] = value
    border_radii, border_widths = _borders(tokens, declarations)
    for name, value in tokens.sizes.items():
        declarations[f"--cf-size-{kebab(name)}"] = _css_size(value)
    font = _font(tokens, declarations)
    shadow_names = sorted(tokens.shadows)
    if (shadow := _pick(shadow_names, ("small", "sm", "elevation", "shadow", "raised"))) or (
        shadow := shadow_names[0] if shadow_names else None
    ):
        roles["shadow"] = f"var(--cf-shadow-{kebab(shadow)})"
    for role, preferences in SIZE_ROLES.items():
        if role == "radius":
            variables = {n: f"--cf-radius-{kebab(n)}" for n in tokens.borderRadius} or border_radii
        else:
            variables = {n: f"--cf-spacing-{kebab(n)}" for n in tokens.spacing}
        if (picked := _pick_or_first(sorted(variables), preferences)) is not None:
            roles[role] = f"var({variables[picked]})"
    if (width := _pick_or_first(sorted(border_widths), ("width", "default", "base"))) is not None:
        roles["border-width"] = f"var({border_widths[width]})"
    if (
        size := _pick_or_first(sorted(tokens.sizes), ("md", "medium", "base", "default"))
    ) is not None:
        roles["size"] = f"var(--cf-size-{kebab(size)})"
    scales = {"spacing": scale_of({n: f"var(--cf-spacing-{kebab(n)})" for n in tokens.spacing})}
    scales["font-size"] = scale_of(_font_sizes(tokens), typography=True)
    return TokenVars(dict(sorted(declarations.items())), roles, font, scales)


def _pick_or_first(names: list[str], preferences: tuple[str, ...]) -> str | None:
    return _pick(names, preferences) or (names[0] if names else None)


def _colours(
    tokens: Tokens, declarations: dict[str, str | int | float], roles: dict[str, str]
) -> None:
    """Flat colours, and nested groups (colors.info.background -> --cf-color-info-background).
    Roles come from flat names first, then the shades of the default group (info, ...);
    danger/success/warning may also come from the group of that name (error.text)."""
    candidates: dict[str, str] = {}
    groups: dict[str, dict[str, str]] = {}
    for name, value in tokens.colors.items():
        if isinstance(value, dict):
            groups[name] = {}
            for shade, inner in value.items():
                variable = f"--cf-color-{kebab(name)}-{kebab(shade)}"
                declarations[variable] = inner
                groups[name][shade] = variable
        else:
            declarations[f"--cf-color-{kebab(name)}"] = value
            candidates[name] = f"--cf-color-{kebab(name)}"
    if (default := _pick_or_first(sorted(groups), DEFAULT_COLOUR_GROUPS)) is not None:
        for shade, variable in groups[default].items():
            candidates.setdefault(shade, variable)
    for role, preferences in COLOR_ROLES.items():
        if (picked := _pick(sorted(candidates), preferences)) is not None:
            roles[role] = f"var({candidates[picked]})"
        elif role in STATUS_ROLES and (variable := _status_shade(groups, preferences)):
            roles[role] = f"var({variable})"


def _status_shade(groups: dict[str, dict[str, str]], preferences: tuple[str, ...]) -> str | None:
    """The variable of the text (else icon, border...) shade of the group a status names."""
    group = _pick(sorted(groups), preferences)
    shades = groups.get(group or "", {})
    shade = _pick_or_first(sorted(shades), STATUS_SHADES)
    return shades[shade] if shade is not None else None


def _borders(
    tokens: Tokens, declarations: dict[str, str | int | float]
) -> tuple[dict[str, str], dict[str, str]]:
    """borders.radius -> --cf-radius-border (a radius when borderRadius has none);
    borders.width and the rest -> --cf-border-<name>. Returns (radii, widths): name -> variable."""
    radii: dict[str, str] = {}
    widths: dict[str, str] = {}
    for name, value in tokens.borders.items():
        grammar = border_grammar(name)
        if grammar == "lengths":
            rest = re.sub("radius", "", name, flags=re.IGNORECASE).strip("-_.")
            variable = "--cf-radius-border" + (f"-{kebab(rest)}" if rest else "")
            radii[name] = variable
        else:
            variable = f"--cf-border-{kebab(name)}"
            if grammar == "length":
                widths[name] = variable
        declarations.setdefault(variable, _css_size(value))
    return radii, widths


def _font(tokens: Tokens, declarations: dict[str, str | int | float]) -> dict[str, str]:
    """Declares typography tokens; returns the root's font properties: the body/base group's
    properties, else flat tokens by what their names say (bodySize -> fontSize), else a
    `font` shorthand token."""
    font: dict[str, str] = {}
    flat: dict[str, dict[str, str]] = {}  # css property -> token name -> variable
    body = _pick(list(tokens.typography), ("body", "base", "default", "label"))
    for name, typo in sorted(tokens.typography.items()):
        if isinstance(typo, dict):
            for prop, inner in typo.items():
                variable = f"--cf-font-{kebab(name)}-{kebab(prop)}"
                declarations[variable] = _css_size(inner, typography_property(prop, inner))
                if name == body:
                    font.setdefault(prop, f"var({variable})")
        else:
            grammar = typography_property(name, typo)
            variable = f"--cf-font-{kebab(name)}"
            declarations[variable] = _css_size(typo, grammar)
            flat.setdefault(FONT_PROPERTIES[grammar], {})[name] = variable
    if not font:
        for prop, variables in flat.items():
            if prop != "font":
                owner = next(
                    (n for p in FONT_OWNERS for n in sorted(variables) if kebab(n).startswith(p)),
                    sorted(variables)[0],
                )
                font[prop] = f"var({variables[owner]})"
    if not font and "font" in flat:
        font["font"] = f"var({flat['font'][sorted(flat['font'])[0]]})"
    if not font and tokens.typography:
        first = sorted(tokens.typography)[0]
        first_typo = tokens.typography[first]
        if isinstance(first_typo, dict):
            for prop in first_typo:
                font.setdefault(prop, f"var(--cf-font-{kebab(first)}-{kebab(prop)})")
    return font


def _font_sizes(tokens: Tokens) -> dict[str, str]:
    """Token name -> var() of each font size: a group's size property (body.fontSize is
    named "body"), or a flat token that is a size (labelSize)."""
    sizes: dict[str, str] = {}
    for name, typo in sorted(tokens.typography.items()):
        if isinstance(typo, dict):
            for prop, inner in typo.items():
                if typography_property(prop, inner) == "font-size":
                    sizes.setdefault(name, f"var(--cf-font-{kebab(name)}-{kebab(prop)})")
        elif typography_property(name, typo) == "font-size":
            sizes[name] = f"var(--cf-font-{kebab(name)})"
    return sizes


def _css_size(value: str | int | float, grammar: str = "length") -> str | int | float:
    """Bare numbers in size tokens mean pixels (not in weights or line heights)."""
    if isinstance(value, int | float) and GRAMMARS[grammar].px_numbers:
        return f"{number_text(value)}px"
    return value
