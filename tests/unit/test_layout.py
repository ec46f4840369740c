"""The layout a newcomer reads: every application package says what lives there, and
the README's Layout section names every folder and module the tree has."""

from __future__ import annotations

import ast
import re

from tests.helpers import ROOT

APP_ROOTS = ("api", "client", "config", "core", "tasks", "workers", "devstack")
MODULES_LISTED = {
    "client",
    "core",
    "workers",
    "workers/pipeline",
    "workers/resilience",
    "workers/storage",
    "workers/observability",
}


def layout_section() -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## Layout\n")
    end = readme.find("\n## ", start + 1)
    return readme[start : end if end != -1 else None]


def packages() -> list[str]:
    found = []
    for root in APP_ROOTS:
        for init in sorted((ROOT / root).rglob("__init__.py")):
            found.append(init.parent.relative_to(ROOT).as_posix())
    return found


def test_every_subpackage_says_in_two_lines_what_lives_there() -> None:
    for package in packages():
        if package.count("/") == 0 and package in ("api", "config", "tasks"):
            continue  # the fixed top level is described by DESIGN.md and the README
        docstring = ast.get_docstring(ast.parse((ROOT / package / "__init__.py").read_text()))
        assert docstring, f"{package}/__init__.py has no docstring"
        assert len(docstring.splitlines()) <= 2, f"{package}: more than two lines"


def test_the_readme_layout_names_every_folder_and_module() -> None:
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", layout_section()))
    for package in packages():
        folder = package.rsplit("/", 1)[-1]
        assert folder in words, f"README's Layout does not name {package}/"
        # Module by module where a newcomer looks for a concern; the chain's folders by name.
        if package in MODULES_LISTED:
            for module in sorted((ROOT / package).glob("*.py")):
                if module.stem != "__init__":
                    assert module.stem in words, f"README's Layout does not name {module}"
