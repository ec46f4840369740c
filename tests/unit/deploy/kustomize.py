"""deploy/k8s rendered by `kubectl kustomize`, alone or with its optional components."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import yaml

from tests.helpers import ROOT

K8S = ROOT / "deploy" / "k8s"
COMPONENTS = sorted(p.parent.name for p in (K8S / "components").glob("*/kustomization.yaml"))
KUBECTL = shutil.which("kubectl")


def render(*components: str) -> list[dict[str, Any]]:
    """The objects `kubectl apply -k` would send, with the named components enabled.

    Kustomize refuses an overlay inside its base (a cycle) and absolute paths, so the
    overlay is written to a temporary directory and points back with relative paths."""
    assert KUBECTL, "kubectl not installed"
    with tempfile.TemporaryDirectory() as overlay:
        base = os.path.relpath(K8S, overlay)
        (Path(overlay) / "kustomization.yaml").write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "kustomize.config.k8s.io/v1beta1",
                    "kind": "Kustomization",
                    "resources": [base],
                    "components": [f"{base}/components/{name}" for name in components],
                }
            )
        )
        rendered = subprocess.run(
            [KUBECTL, "kustomize", overlay], check=True, capture_output=True, text=True
        ).stdout
    return [doc for doc in yaml.safe_load_all(rendered) if doc]


def find(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    return next(d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name)
