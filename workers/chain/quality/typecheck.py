"""TypeScript strict checks of generated code through one long-lived Node process.

The Node side (tsc_server.js) keeps the parsed library and @types files between checks,
so a job pays ~0.1 s, not the compiler's start-up. It needs Node.js and the npm packages
`make install` puts in TSC_DEPS_DIR; without them `available()` is False and the quality
step falls back to a tree-sitter parse.
"""

from __future__ import annotations

import json
import logging
import os
import select
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

from config.settings import get_settings

logger = logging.getLogger(__name__)
SERVER = Path(__file__).with_name("tsc_server.js")
REQUIRED = ("typescript", "@types/react", "@storybook/react")


class TypeCheckUnavailable(RuntimeError):
    pass


class TypeChecker:
    def __init__(self, deps_dir: Path, *, timeout_s: float) -> None:
        self._deps_dir = deps_dir
        self._timeout_s = timeout_s
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()
        self._next_id = 0
        self.version = ""

    def _start(self) -> subprocess.Popen[str]:
        if not get_settings().typecheck:
            raise TypeCheckUnavailable("TYPECHECK is off")
        node = shutil.which("node")
        if node is None:
            raise TypeCheckUnavailable("Node.js is not installed")
        missing = [p for p in REQUIRED if not (self._deps_dir / "node_modules" / p).is_dir()]
        if missing:
            raise TypeCheckUnavailable(
                f"{', '.join(missing)} missing in {self._deps_dir} (run make install)"
            )
        process = subprocess.Popen(
            [node, str(SERVER), str(self._deps_dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
        )
        hello = self._read(process)
        self.version = str(hello.get("typescript", ""))
        return process

    def _read(self, process: subprocess.Popen[str]) -> dict[str, Any]:
        """One answer line, or the process is killed after timeout_s (the server writes
        whole lines, so a readable pipe means a line is there)."""
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], self._timeout_s)
        line = process.stdout.readline() if ready else ""
        if not line:
            process.kill()
            raise TypeCheckUnavailable(
                f"the TypeScript checker gave no answer within {self._timeout_s:.0f} s"
            )
        return dict(json.loads(line))

    def check(self, files: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
        """Diagnostics per file name; [] for a file that type-checks."""
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._process = self._start()
            self._next_id += 1
            assert self._process.stdin is not None
            try:
                self._process.stdin.write(json.dumps({"id": self._next_id, "files": files}) + "\n")
                self._process.stdin.flush()
                answer = self._read(self._process)
            except (OSError, TypeCheckUnavailable):
                self._process = None  # started afresh next time
                raise
            if "error" in answer:
                raise TypeCheckUnavailable(
                    f"the TypeScript checker failed: {answer['error'][:300]}"
                )
            return {name: list(diags) for name, diags in answer["diagnostics"].items()}

    def close(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
        self._process = None


def warm_up() -> None:
    """Start the checker ahead of the first job (Node and the type libraries take ~1 s)."""
    try:
        checker().check({"component.tsx": "export {};\n"})
    except TypeCheckUnavailable as exc:
        logger.info("TypeScript checks unavailable: %s", exc)


_checker: TypeChecker | None = None
_owner_pid: int | None = None


def checker() -> TypeChecker:
    """This process's checker (a forked worker child starts its own)."""
    global _checker, _owner_pid
    if _checker is None or _owner_pid != os.getpid():
        settings = get_settings()
        _checker = TypeChecker(settings.tsc_deps_dir, timeout_s=settings.typecheck_timeout_s)
        _owner_pid = os.getpid()
    return _checker
