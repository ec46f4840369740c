"""`make test`: every tier, with the drills beside the other two.

The drills spend most of their time waiting on outages and bring their own Redis
servers, broker and API, so they run in a pytest process of their own while the unit and
integration tiers run in another; each process gets its own database, bucket and queue.
The integration tests that also mostly wait (outages, killed workers, time limits, spool
replays) run in the drills' process (WAITING), so the two finish closer together.
The one drill that restarts a shared server (RabbitMQ, which integration tests use too)
runs alone afterwards. The drills' output is shown when they end, not interleaved.
With PYTEST_ARGS (or any arguments) it is one plain pytest run, as before.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile

SHARED_SERVER_DRILLS = "rabbitmq-restart"
"""Drills that stop a server the other tiers use; they run after the rest."""
WAITING = (
    "tests/integration/tasks/test_broker_outage.py",
    "tests/integration/tasks/test_time_limits.py",
    "tests/integration/workers/resilience",
)
"""Integration tests that spend their time waiting (on outages, leases, time limits,
replays), not computing: they run beside the tiers, with the drills."""


def _pytest(*args: str, stdout: object = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", *args],
        stdout=stdout,  # type: ignore[arg-type]
        stderr=subprocess.STDOUT if stdout is not None else None,
    )


def main(argv: list[str]) -> int:
    if argv:
        return subprocess.call([sys.executable, "-m", "pytest", *argv])
    with tempfile.TemporaryFile() as drills_log:
        drills = _pytest(
            "tests/drills", *WAITING, "-k", f"not {SHARED_SERVER_DRILLS}",
            "-p", "no:cacheprovider", "--durations=5", stdout=drills_log,
        )  # fmt: skip
        # The slowest tests listed at the end: what to look at when the run grows.
        ignored = [f"--ignore={path}" for path in WAITING]
        tiers = _pytest("tests/unit", "tests/integration", *ignored, "--durations=15").wait()
        drills_code = drills.wait()
        drills_log.seek(0)
        print("\n=== tests/drills and the waiting integration tests (run beside the tiers "
              "above) ===", flush=True)  # fmt: skip
        sys.stdout.buffer.write(drills_log.read())
        sys.stdout.flush()
    print(f"\n=== tests/drills -k {SHARED_SERVER_DRILLS} (alone) ===", flush=True)
    shared = _pytest("tests/drills", "-k", SHARED_SERVER_DRILLS, "-p", "no:cacheprovider").wait()
    codes = {"unit + integration": tiers, "drills + waiting": drills_code,
             SHARED_SERVER_DRILLS: shared}  # fmt: skip
    print("make test: " + ", ".join(f"{name} {_verdict(code)}" for name, code in codes.items()))
    # pytest's 5 ("no tests collected") is fine for a -k that matches nothing.
    return 0 if all(code in (0, 5) for code in codes.values()) else 1


def _verdict(code: int) -> str:
    return "passed" if code in (0, 5) else f"FAILED (pytest exit {code})"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
