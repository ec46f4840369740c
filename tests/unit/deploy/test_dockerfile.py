"""deploy/Dockerfile's TypeScript stage, read statically (no container engine here):
Node.js and the checker's packages, at the versions the Makefile installs locally."""

from __future__ import annotations

import re

from tests.helpers import ROOT
from workers.chain.quality.typecheck import REQUIRED

DOCKERFILE = (ROOT / "deploy" / "Dockerfile").read_text()


def makefile_packages() -> list[str]:
    makefile = (ROOT / "Makefile").read_text()
    # The list may go on over lines ending in a backslash.
    match = re.search(r"^TSC_PACKAGES := ((?:.*\\\n)*.+)$", makefile, re.MULTILINE)
    assert match
    return match.group(1).replace("\\\n", " ").split()


def test_a_node_stage_installs_the_makefiles_pinned_packages() -> None:
    stages = re.findall(r"^FROM (\S+)(?: AS (\w+))?$", DOCKERFILE, re.MULTILINE)
    assert [name for _, name in stages] == ["tsc", ""]
    node_image, python_image = (image for image, _ in stages)
    assert re.fullmatch(r"node:\d+-bookworm-slim", node_image)
    assert python_image.startswith("python:3.11-slim-bookworm")  # same Debian as node's
    arg = re.search(r'^ARG TSC_PACKAGES="([^"]+)"$', DOCKERFILE, re.MULTILINE)
    assert arg and arg.group(1).split() == makefile_packages()
    pinned = {spec.rpartition("@")[0]: spec.rpartition("@")[2] for spec in makefile_packages()}
    assert set(REQUIRED) <= set(pinned)  # what typecheck.py looks for
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", version) for version in pinned.values())
    assert "npm install --prefix /opt/componentforge/tsc" in DOCKERFILE


def test_the_final_image_gets_node_and_the_packages_at_tsc_deps_dir() -> None:
    final = DOCKERFILE.split("\nFROM python:", 1)[1]
    deps_dir = re.search(r"^ENV TSC_DEPS_DIR=(\S+)$", final, re.MULTILINE)
    assert deps_dir
    copies = re.findall(r"^COPY --from=tsc (\S+) (\S+)$", final, re.MULTILINE)
    assert ("/usr/local/bin/node", "/usr/local/bin/node") in copies  # on PATH, for which()
    assert (deps_dir.group(1), deps_dir.group(1)) in copies
    assert "node --version" in final  # the build fails if node cannot run on this base
    # Node alone: the package manager stays in the build stage.
    instructions = [line for line in final.splitlines() if not line.startswith("#")]
    assert not any(re.search(r"\bnpm\b", line) for line in instructions)
