"""What the code gate adds to a template L4 job: the allow-list policy, the type-check,
the sandboxed render of every story, and axe-core on each, measured in-process on
template components of every type (baseline: the template generator itself, in the
same run). `make bench` prints it after the jobs tables; alone:
`python -m devstack.bench.code_gate`.
"""

from __future__ import annotations

import statistics

from core.spec import COMPONENT_TYPES, JobSpec
from devstack.bench.timing import timed
from devstack.sample_jobs import make_job
from workers.chain.providers.template import TemplateProvider
from workers.chain.quality.policy import Allowances, check_files
from workers.chain.quality.typecheck import TypeCheckUnavailable, checker
from workers.chain.types import ChainContext

ROUNDS = 3


def _contexts() -> list[ChainContext]:
    contexts = []
    for kind in COMPONENT_TYPES:
        spec = JobSpec.model_validate(make_job(component_type=kind, component_name=f"Bench{kind}"))
        ctx = ChainContext(spec=spec, tokens=spec.tokens)
        ctx.requirements = spec.requirements or TemplateProvider().propose_requirements(ctx)
        contexts.append(ctx)
    return contexts


def measure() -> dict[str, list[float]]:
    """Milliseconds per component for each part (empty lists when Node is missing)."""
    contexts = _contexts()
    codes = [TemplateProvider().generate_code(ctx) for ctx in contexts]
    files = [{"component.tsx": c.component_tsx, "stories.tsx": c.stories_tsx} for c in codes]
    allow, template = Allowances.default(), TemplateProvider()
    parts: dict[str, list[float]] = {"template generator": [], "policy": [], "tsc": [],
                                     "tsc + render": [], "tsc + render + axe": []}  # fmt: skip
    for _ in range(ROUNDS):
        for ctx, each in zip(contexts, files, strict=True):
            parts["template generator"] += timed(lambda c=ctx: template.generate_code(c), 1)
            parts["policy"] += timed(lambda f=each: check_files(f, allow=allow), 1)
    try:
        checker().check(files[0])  # start Node and load the libraries outside the timing
        for _ in range(ROUNDS):
            for each in files:
                parts["tsc"] += timed(lambda f=each: checker().check(f), 1)
                parts["tsc + render"] += timed(lambda f=each: _render(f, axe=False), 1)
                parts["tsc + render + axe"] += timed(lambda f=each: _render(f, axe=True), 1)
    except TypeCheckUnavailable as exc:
        print(f"code gate: no render measured ({exc})")
    return parts


def _render(files: dict[str, str], *, axe: bool) -> None:
    checker().check_and_render(
        files, allowed_packages=sorted(Allowances.default().packages), timeout_s=5.0, axe=axe
    )


def report(parts: dict[str, list[float]]) -> None:
    base = statistics.median(parts["template generator"])
    print("\nCode gate, per template component (10 types x 3 rounds; in-process)")
    print(f"{'part':<22} {'p50 ms':>9} {'p95 ms':>9} {'p50 / generator':>16}")
    for name, samples in parts.items():
        if not samples:
            continue
        p50 = statistics.median(samples)
        p95 = statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else p50
        print(f"{name:<22} {p50:>9.1f} {p95:>9.1f} {p50 / base:>15.1f}x")
    print("An L1 hit runs none of these: the gate runs inside the chain, which a hit skips.")


if __name__ == "__main__":
    report(measure())
