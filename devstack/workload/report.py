"""The workload's tables: per cache layer (hit rate, latency, dollars, budget verdict), the
mix by kind and layer, the hit rate after warm-up, and the Figma edits check."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence

from devstack.bench.run import table
from devstack.workload.mix import NEAR_DUPLICATE_KINDS
from devstack.workload.replay import Outcome

LAYERS = ("L1", "L1 coalesced", "L2", "L3", "L4")
WARM_UP_JOBS = 50
HIT_RATE_TARGET = 0.40
L1_FLOOR_RATIO = 2.0
L2_BUDGET_MS = 150.0


def percentile(samples: Sequence[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def median(samples: Sequence[float]) -> float | None:
    return statistics.median(samples) if samples else None


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def budgets(
    floor_p50_ms: float, template_p50_ms: float | None
) -> dict[str, tuple[str, float | None]]:
    """Each layer's p50 budget: its words and its limit (ms; None: no budget)."""
    return {
        "L1": (f"< 2x floor ({L1_FLOOR_RATIO * floor_p50_ms:.1f})", L1_FLOOR_RATIO * floor_p50_ms),
        "L1 coalesced": ("-", None),
        "L2": (f"< {L2_BUDGET_MS:.0f}", L2_BUDGET_MS),
        "L3": (f"< L4 template p50 ({_ms(template_p50_ms)})", template_p50_ms),
        "L4": ("-", None),
    }


def layer_rows(
    outcomes: list[Outcome], *, floor_p50_ms: float, template_p50_ms: float | None
) -> list[list[str]]:
    limits = budgets(floor_p50_ms, template_p50_ms)
    rows = []
    for layer in [*LAYERS, *sorted({o.layer for o in outcomes} - set(LAYERS))]:
        of_layer = [o for o in outcomes if o.layer == layer]
        worker = [o.worker_ms for o in of_layer]
        words, limit = limits.get(layer, ("-", None))
        p50 = median(worker)
        verdict = "-" if limit is None else "no jobs" if p50 is None else (
            "ok" if p50 < limit else "OVER")  # fmt: skip
        rows.append([
            layer, str(len(of_layer)), f"{len(of_layer) / max(1, len(outcomes)):.1%}",
            _ms(p50), _ms(percentile(worker, 0.95) if worker else None),
            _ms(median([o.end_to_end_ms for o in of_layer])),
            f"{sum(float(o.cost.get('usd') or 0) for o in of_layer):.4f}",
            f"{sum(float(o.cost.get('saved_usd') or 0) for o in of_layer):.4f}",
            words, verdict,
        ])  # fmt: skip
    return rows


def stage_rows(outcomes: list[Outcome]) -> tuple[list[str], list[list[str]]]:
    """Per layer, the p50 of each stage the status document times (ms): where a layer's
    time goes. Stages in the order they first appear."""
    stages: dict[str, None] = {}
    for o in outcomes:
        stages.update(dict.fromkeys(o.status.get("timings_ms") or {}))
    rows = []
    for layer in [*LAYERS, "L4 template", "failed"]:
        of_layer = [o.status.get("timings_ms") or {} for o in outcomes if _row(o) == layer]
        if of_layer:
            rows.append([layer, *(_ms(median([float(t[s]) for t in of_layer if s in t]))
                                  for s in stages)])  # fmt: skip
    return list(stages), rows


def _row(outcome: Outcome) -> str:
    return "L4 template" if outcome.job.kind == "control" and outcome.succeeded else outcome.layer


def hit_rate_after_warm_up(outcomes: list[Outcome]) -> float:
    later = [o for o in outcomes if o.job.index >= WARM_UP_JOBS]
    hits = [o for o in later if o.layer in ("L1", "L1 coalesced", "L2", "L3")]
    return len(hits) / max(1, len(later))


def kind_rows(outcomes: list[Outcome]) -> list[list[str]]:
    """How many jobs of each kind each layer answered (first occurrences and repeats
    of a design apart)."""
    counts: Counter[tuple[str, str]] = Counter()
    for o in outcomes:
        kind = (
            o.job.kind if o.job.kind != "design" else ("repeat" if o.job.repeat else "new design")
        )
        counts[kind, o.layer] += 1
    kinds = ["new design", "repeat", *NEAR_DUPLICATE_KINDS, "figma", "control"]
    layers = [*LAYERS, "failed"]
    return [
        [
            kind,
            *(str(counts[kind, layer]) for layer in layers),
            str(sum(counts[kind, x] for x in layers)),
        ]
        for kind in kinds
        if any(counts[kind, x] for x in layers)
    ]


def figma_problems(outcomes: list[Outcome]) -> tuple[int, list[str]]:
    """Figma jobs submitted after an edit of their file, and those that carry a colour
    older than the one current at their submission (a stale entry served)."""
    after_edit = [o for o in outcomes if o.edits_before]
    stale = [
        f"job {o.job_id} ({o.job.body['component_name']} on {o.job.origin}, {o.layer}): "
        f"primary {o.colour}, expected one of {', '.join(o.allowed_colours)}"
        for o in after_edit
        if o.succeeded and o.colour not in o.allowed_colours
    ]
    return len(after_edit), stale


def print_report(
    outcomes: list[Outcome], *, floor_p50_ms: float, elapsed_s: float, submit_s: float
) -> list[str]:
    """Prints every table; returns the problems that fail the run."""
    workload = [o for o in outcomes if o.job.kind != "control"]
    controls = [o for o in outcomes if o.job.kind == "control" and o.succeeded]
    template_p50 = median([o.worker_ms for o in controls])
    print(f"\nfloor: bare Celery no-op round trip p50 {floor_p50_ms:.2f} ms")
    print(f"L4 template p50 (control set: {len(controls)} template jobs, no-store, unique "
          f"designs): {_ms(template_p50)} ms worker, "
          f"{_ms(median([o.end_to_end_ms for o in controls]))} ms end to end")  # fmt: skip
    table(
        f"per cache layer ({len(workload)} workload jobs; latency ms: worker = the status "
        "document's timings_ms.total, e2e = created_at to finished_at)",
        ["layer", "jobs", "share", "p50", "p95", "p50 e2e", "$ spent", "$ saved", "budget (p50)",
         "verdict"],
        layer_rows(workload, floor_p50_ms=floor_p50_ms, template_p50_ms=template_p50),
    )  # fmt: skip
    spent = sum(float(o.cost.get("usd") or 0) for o in workload)
    saved = sum(float(o.cost.get("saved_usd") or 0) for o in workload)
    share = saved / (spent + saved) if spent + saved else 0
    print(f"\n  total: ${spent:.4f} spent, ${saved:.4f} saved "
          f"({share:.0%} of what no cache would cost)")  # fmt: skip
    rate = hit_rate_after_warm_up(workload)
    verdict = "ok" if rate >= HIT_RATE_TARGET else "MISSED"
    print(f"\nL1+L2+L3 hit rate after the first {WARM_UP_JOBS} jobs: {rate:.1%} "
          f"(target >= {HIT_RATE_TARGET:.0%}) {verdict}")  # fmt: skip
    stages, rows = stage_rows(outcomes)
    table("worker stages, p50 ms (the status documents' timings_ms)", ["layer", *stages], rows)
    table("jobs by kind and layer", ["kind", *LAYERS, "failed", "all"], kind_rows(outcomes))
    checked, stale = figma_problems(outcomes)
    print(f"\nFigma edits: {checked} jobs submitted after an edit of their file; "
          f"{checked - len(stale)} carry the edited colour, {len(stale)} a stale one")  # fmt: skip
    print(
        f"\nsubmitted {len(outcomes)} jobs in {submit_s:.1f} s; all ended after {elapsed_s:.1f} s"
    )
    problems = [
        f"{o.job.body['component_name']} ({o.job.kind}): {p}" for o in outcomes for p in o.problems
    ]
    return problems + [f"stale Figma colour: {line}" for line in stale]
