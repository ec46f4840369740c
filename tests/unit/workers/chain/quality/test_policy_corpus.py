"""The code policy against a corpus, both directions: every hostile component
(corpus/hostile.py) has at least one finding, every benign one (corpus/benign/*.tsx, real
React + TypeScript with the default allowed packages) has none. The rate tests print
`refused N/N` and `passed N/N` so a run shows how far a policy is from 100 %."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.unit.workers.chain.quality.corpus.hostile import CASES, PLACES, Case, wrap
from workers.chain.quality.policy import Allowances, check_source

BENIGN_DIR = Path(__file__).parent / "corpus" / "benign"
BENIGN = sorted(BENIGN_DIR.glob("*.tsx"))

# The deployment's default packages, and two hosts a tenant allowed for its links (the
# footer's github.com and www.w3.org); hostile cases must be refused even so.
ALLOW = Allowances(
    packages=Allowances.default().packages, hosts=frozenset({"github.com", "www.w3.org"})
)


def _refused(case: Case) -> bool:
    return bool(check_source(case.source, "component.tsx", allow=ALLOW))


def _flagged(path: Path) -> list[str]:
    findings = check_source(path.read_text(encoding="utf-8"), "component.tsx", allow=ALLOW)
    return [f"{f.rule}@{f.line}:{f.column} {f.detail}" for f in findings]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.family}:{c.name}" for c in CASES])
def test_each_hostile_component_is_refused(case: Case) -> None:
    findings = check_source(case.source, "component.tsx", allow=ALLOW)
    assert findings, f"no finding for:\n{case.source}"


@pytest.mark.parametrize("path", BENIGN, ids=[p.stem for p in BENIGN])
def test_each_benign_component_passes(path: Path) -> None:
    assert _flagged(path) == []


@pytest.mark.parametrize("where", PLACES)
def test_the_hostile_scaffold_alone_passes(where: str) -> None:
    """Only the snippet can make a hostile case refused: the scaffold is allowed."""
    assert check_source(wrap("", where), "component.tsx", allow=ALLOW) == []


def test_hostile_refusal_rate_is_100_percent() -> None:
    missed = [f"{c.family}:{c.name}" for c in CASES if not _refused(c)]
    refused = len(CASES) - len(missed)
    print(f"refused {refused}/{len(CASES)}")
    by_family = Counter(name.split(":")[0] for name in missed)
    assert not missed, f"missed {len(missed)} ({dict(by_family)}): {missed}"


def test_benign_pass_rate_is_100_percent() -> None:
    flagged = {p.stem: found for p in BENIGN if (found := _flagged(p))}
    print(f"passed {len(BENIGN) - len(flagged)}/{len(BENIGN)}")
    assert not flagged, flagged


def test_the_corpus_is_large_and_well_formed() -> None:
    assert len(CASES) >= 150
    assert len(BENIGN) >= 50
    names = Counter(c.name for c in CASES)
    assert [n for n, k in names.items() if k > 1] == []
    families = Counter(c.family for c in CASES)
    assert sum(1 for n in families.values() if n >= 10) >= 8, families
    assert all(p.stem[:2].isdigit() and p.stem[2] == "_" for p in BENIGN)
