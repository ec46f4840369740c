"""Every Kubernetes manifest validated against the API's JSON schemas and KEDA's CRDs.

Kubernetes kinds: kubernetes-validate (PyPI, Apache-2.0), strict (an unknown field is an
error), against the oldest and newest minor versions it bundles that we support. KEDA's
ScaledObject and TriggerAuthentication: cloudcoil-models-keda (PyPI, Apache-2.0), Pydantic
models generated from KEDA's CRD schemas; a field the model does not know is dropped on
the round trip, which this test treats as an error (strict, like the other kinds).
Both are dev dependencies (`make install`); without them the tests skip and say why.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.unit.deploy.kustomize import COMPONENTS, K8S, KUBECTL, render

kubernetes_validate = pytest.importorskip(
    "kubernetes_validate", reason="kubernetes-validate not installed (make install)"
)
keda = pytest.importorskip(
    "cloudcoil.models.keda.v1alpha1", reason="cloudcoil-models-keda not installed (make install)"
)

# KEDA 2.x needs Kubernetes 1.29 or later; 1.37 is the newest schema set bundled.
KUBERNETES_VERSIONS = ("1.29.0", "1.37.0")
KEDA_MODELS = {
    "ScaledObject": keda.ScaledObject,
    "TriggerAuthentication": keda.TriggerAuthentication,
}


def source_docs() -> list[dict[str, Any]]:
    """Every object in deploy/k8s's own files, the example secret included."""
    paths = sorted(set(K8S.glob("*.yaml")) - {K8S / "kustomization.yaml"})
    return [doc for path in paths for doc in yaml.safe_load_all(path.read_text()) if doc]


def dropped(given: Any, kept: Any, path: str = "") -> list[str]:
    """Where the model's dump differs from the manifest: unknown fields, coerced values."""
    if isinstance(given, dict) and isinstance(kept, dict):
        return [
            p
            for key in given
            for p in dropped(given[key], kept.get(key, _MISSING), f"{path}.{key}")
        ]
    if isinstance(given, list) and isinstance(kept, list) and len(given) == len(kept):
        return [
            p
            for i, (g, k) in enumerate(zip(given, kept, strict=True))
            for p in dropped(g, k, f"{path}[{i}]")
        ]
    return [] if given == kept else [path]


_MISSING = object()


def validate(doc: dict[str, Any]) -> None:
    name = f"{doc['kind']}/{doc['metadata']['name']}"
    if doc["apiVersion"].startswith("keda.sh/"):
        model = KEDA_MODELS[doc["kind"]].model_validate(doc)
        kept = model.model_dump(mode="json", by_alias=True, exclude_unset=True)
        assert not dropped(doc, kept), f"{name}: not in KEDA's schema: {dropped(doc, kept)}"
        return
    for version in KUBERNETES_VERSIONS:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            location = ".".join(str(p) for p in error.path)
            pytest.fail(f"{name} against Kubernetes {version}: {location}: {error.message}")


@pytest.mark.parametrize("doc", source_docs(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_manifest_files_validate(doc: dict[str, Any]) -> None:
    validate(doc)


@pytest.mark.skipif(KUBECTL is None, reason="kubectl not installed")
@pytest.mark.parametrize("components", [(), *((c,) for c in COMPONENTS), tuple(COMPONENTS)],
                         ids=lambda c: "+".join(c) or "base")  # fmt: skip
def test_rendered_manifests_validate(components: tuple[str, ...]) -> None:
    docs = render(*components)
    assert {"ScaledObject", "TriggerAuthentication"} <= {d["kind"] for d in docs}
    for doc in docs:
        validate(doc)


def test_the_validators_catch_mistakes() -> None:
    """A wrong field or type fails, so a pass above means something."""
    scaled = next(d for d in source_docs() if d["kind"] == "ScaledObject")
    with pytest.raises(AssertionError, match="cooldownPeriods"):
        validate({**scaled, "spec": {**scaled["spec"], "cooldownPeriods": 300}})
    trigger = {**scaled["spec"]["triggers"][0], "metadata": {"listLength": 10}}
    with pytest.raises(ValueError, match="listLength"):
        validate({**scaled, "spec": {**scaled["spec"], "triggers": [trigger]}})
    hpa = next(d for d in source_docs() if d["kind"] == "HorizontalPodAutoscaler")
    with pytest.raises(pytest.fail.Exception, match="maxReplica"):
        validate({**hpa, "spec": {**hpa["spec"], "maxReplica": 3}})
