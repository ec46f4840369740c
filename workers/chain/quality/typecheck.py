"""TypeScript strict checks of generated code, and its sandboxed render, through one
long-lived Node process.

The Node side (tsc_server.js) keeps the parsed library and @types files between checks,
so a job pays ~0.1 s, not the compiler's start-up. It needs Node.js and the npm packages
`make install` puts in TSC_DEPS_DIR; without them `available()` is False and the quality
step falls back to a tree-sitter parse.

`check_and_render` also renders every Storybook story of the component with React 18 in
jsdom, in a vm sandbox whose traps record what the code tried (render_sandbox.js), and
runs axe-core on each story. Node starts with a scrubbed environment and, where it has
one, under its permission model (reads of the deps dir and this folder only).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import select
import shutil
import subprocess
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from config.settings import get_settings
from core.fair_gate import FairGate, party
from workers import green

logger = logging.getLogger(__name__)
SERVER = Path(__file__).with_name("tsc_server.js")
REQUIRED = ("typescript", "@types/react", "@storybook/react")
RENDER_REQUIRED = ("react", "react-dom", "jsdom", "axe-core")
REQUEST_TIMEOUTS = 4  # a render request stops after this many story time-outs (render_sandbox.js)
# What Node gets of the worker's environment: never its secrets (DATABASE_URL, API keys...).
NODE_ENVIRONMENT = ("PATH", "HOME", "LANG", "LC_ALL", "TZ")
# Node's heap is capped: each story's window and contexts are garbage soon, but V8 frees
# them lazily and would otherwise grow to gigabytes.
NODE_HEAP_MB = 512


class TypeCheckUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class AxeViolation:
    rule: str
    impact: str | None
    help: str
    nodes: tuple[str, ...]
    """The first target selector of each of (at most) five nodes."""


@dataclass(frozen=True)
class StoryRender:
    name: str
    args: dict[str, Any]
    """Meta args merged with the story's (functions as "[function]", elements "[element]")."""
    html: str
    text: str
    """The visible text, whitespace collapsed."""
    screen: str
    """What a user sees (tags, text, computed visual styles, inline styles; not ids,
    classes, data-* or aria-*): equal for stories that look the same."""
    error: str | None
    timed_out: bool
    axe: tuple[AxeViolation, ...] = ()
    axe_error: str | None = None
    """Why axe-core did not run (off, timed out, failed): `axe` is then empty."""


@dataclass(frozen=True)
class Trap:
    kind: str
    """network, script-url, eval, timer-string, storage, cookie, navigation, window-open,
    post-message, html-injection or module."""
    detail: str
    story: str | None
    """None while the modules load (before any story)."""


@dataclass(frozen=True)
class RenderReport:
    stories: tuple[StoryRender, ...] = ()
    traps: tuple[Trap, ...] = ()
    error: str | None = None
    """A module-level failure (a file that throws on load, no meta...), or Node's death."""
    timed_out: bool = False
    """Node gave no answer in time (it was killed; `error` says so)."""

    @classmethod
    def from_answer(cls, answer: dict[str, Any]) -> RenderReport:
        return cls(
            stories=tuple(_story(s) for s in answer.get("stories", ())),
            traps=tuple(
                Trap(str(t["kind"]), str(t.get("detail", "")), t.get("story"))
                for t in answer.get("traps", ())
            ),
            error=answer.get("error"),
        )


def _story(s: dict[str, Any]) -> StoryRender:
    return StoryRender(
        name=str(s["name"]),
        args=dict(s.get("args") or {}),
        html=str(s.get("html", "")),
        text=str(s.get("text", "")),
        screen=str(s.get("screen", "")),
        error=s.get("error"),
        timed_out=bool(s.get("timed_out")),
        axe=tuple(_violation(v) for v in s.get("axe") or ()),
        axe_error=s.get("axe_error"),
    )


def _violation(v: dict[str, Any]) -> AxeViolation:
    nodes = tuple(str(n) for n in v.get("nodes", ()))
    return AxeViolation(str(v["rule"]), v.get("impact"), str(v.get("help", "")), nodes)


def node_environment() -> dict[str, str]:
    """The environment Node starts with: PATH, HOME and the locale, nothing else."""
    return {name: os.environ[name] for name in NODE_ENVIRONMENT if name in os.environ}


@lru_cache
def _node_version(node: str) -> tuple[int, ...]:
    try:
        out = subprocess.run(
            [node, "--version"], capture_output=True, text=True, timeout=10,
            env=node_environment(), check=True,
        ).stdout  # fmt: skip
        return tuple(int(part) for part in out.strip().lstrip("v").split(".")[:3])
    except (OSError, subprocess.SubprocessError, ValueError):
        return (0,)


def permission_flags(node: str, readable: Sequence[Path]) -> list[str]:
    """Node's permission model: reads of `readable` only; no writes, child processes,
    workers or native addons. Node 20.x-22.12 spell it --experimental-permission (and want
    one --allow-fs-read per path), later ones --permission; older Nodes have none."""
    version = _node_version(node)
    if version < (20,):
        return []
    flag = "--permission" if version >= (22, 13) else "--experimental-permission"
    return [flag, *(f"--allow-fs-read={path}" for path in readable)]


def _stop(process: subprocess.Popen[str], *, gently: bool = False) -> None:
    """Ends Node (SIGTERM first when `gently`) and closes its pipes."""
    if process.poll() is None:
        process.terminate() if gently else process.kill()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for pipe in (process.stdin, process.stdout):
        if pipe is not None:
            with contextlib.suppress(OSError):  # a broken pipe to a dead process
                pipe.close()


class TypeChecker:
    def __init__(self, deps_dir: Path, *, timeout_s: float) -> None:
        self._deps_dir = deps_dir
        self._timeout_s = timeout_s
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()
        self._next_id = 0
        self.version = ""

    def _missing(self, packages: Sequence[str]) -> list[str]:
        return [p for p in packages if not (self._deps_dir / "node_modules" / p).is_dir()]

    def _start(self) -> subprocess.Popen[str]:
        if not get_settings().typecheck:
            raise TypeCheckUnavailable("TYPECHECK is off")
        node = shutil.which("node")
        if node is None:
            raise TypeCheckUnavailable("Node.js is not installed")
        missing = self._missing(REQUIRED)
        if missing:
            raise TypeCheckUnavailable(
                f"{', '.join(missing)} missing in {self._deps_dir} (run make install)"
            )
        deps_dir = self._deps_dir.resolve()
        readable = (deps_dir, SERVER.parent.resolve())
        process = subprocess.Popen(
            [node, f"--max-old-space-size={NODE_HEAP_MB}", *permission_flags(node, readable),
             str(SERVER), str(deps_dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
            env=node_environment(),
        )  # fmt: skip
        hello = self._read(process, self._timeout_s)
        self.version = str(hello.get("typescript", ""))
        return process

    def _read(self, process: subprocess.Popen[str], timeout_s: float) -> dict[str, Any]:
        """One answer line, or the process is killed after timeout_s (the server writes
        whole lines, so a readable pipe means a line is there)."""
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], timeout_s)
        line = process.stdout.readline() if ready else ""
        if not line:
            _stop(process)
            raise TypeCheckUnavailable(
                f"the TypeScript checker gave no answer within {timeout_s:.0f} s"
            )
        return dict(json.loads(line))

    def _ask(self, request: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        """Sends one request (starting Node if need be); the caller holds the lock."""
        if self._process is None or self._process.poll() is not None:
            self._process = self._start()
        self._next_id += 1
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(json.dumps({"id": self._next_id, **request}) + "\n")
            self._process.stdin.flush()
            return self._read(self._process, timeout_s)
        except BaseException:
            # Dead, late, or this job stopped mid-request (its time limit): an answer may
            # still come, and the next request would read it. Started afresh next time.
            self._kill()
            raise

    def _kill(self) -> None:
        if self._process is not None:
            _stop(self._process)
        self._process = None

    def check(self, files: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
        """Diagnostics per file name; [] for a file that type-checks."""
        return self.check_batch([files])[0]

    def check_batch(self, batch: Sequence[dict[str, str]]) -> list[dict[str, list[dict[str, Any]]]]:
        """`check` of several jobs' files in one program (each job's files apart)."""
        with self._lock:
            answer = self._ask({"batch": list(batch)}, self._timeout_s * len(batch))
            if "error" in answer:
                raise TypeCheckUnavailable(
                    f"the TypeScript checker failed: {answer['error'][:300]}"
                )
            return [{name: list(diags) for name, diags in each.items()} for each in answer["batch"]]

    def check_and_render(
        self,
        files: dict[str, str],
        *,
        allowed_packages: Sequence[str],
        timeout_s: float,
        url_hosts: Sequence[str] = (),
        axe: bool = True,
        check: bool = True,
    ) -> tuple[dict[str, list[dict[str, Any]]], RenderReport]:
        """Diagnostics as `check` gives them (none when not `check`: the caller has
        them), and the sandboxed render of every story of component.tsx in stories.tsx.
        Node dead or late: it is killed (and restarts on the next call) and the report
        says so (error, timed_out), with no diagnostics. Raises TypeCheckUnavailable when
        Node or the packages are missing."""
        missing = self._missing(RENDER_REQUIRED)
        if missing:
            raise TypeCheckUnavailable(
                f"render unavailable: {', '.join(missing)} missing in {self._deps_dir}"
                " (run make install)"
            )
        render = {
            "component": "component.tsx",
            "stories": "stories.tsx",
            "timeout_ms": round(timeout_s * 1000),
            "allowed_packages": list(allowed_packages),
            "url_hosts": list(url_hosts),
            "axe": axe,
        }
        # The sandbox stops a request after REQUEST_TIMEOUTS story time-outs (every story,
        # inspection and axe-core together); one more for axe's own load.
        budget = self._timeout_s + (REQUEST_TIMEOUTS + 1) * timeout_s
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._process = self._start()  # TypeCheckUnavailable: Node cannot run
            try:
                answer = self._ask({"files": files, "render": render, "check": check}, budget)
            except (OSError, TypeCheckUnavailable) as exc:
                logger.warning("the render sandbox gave no answer: %s", exc)
                late = f"the checker died or gave no answer within {budget:.0f} s ({exc})"
                return {}, RenderReport(error=late[:300], timed_out=True)
            if "error" in answer:
                raise TypeCheckUnavailable(
                    f"the TypeScript checker failed: {answer['error'][:300]}"
                )
            rendered = answer.get("render") or {}
            if rendered.get("unavailable"):
                raise TypeCheckUnavailable(str(rendered.get("error")))
            diagnostics = {name: list(diags) for name, diags in answer["diagnostics"].items()}
            return diagnostics, RenderReport.from_answer(rendered)

    def close(self) -> None:
        if self._process is not None:
            _stop(self._process, gently=True)
        self._process = None


class _CarrierStopped(Exception):
    """The job whose checker ran this batch was stopped before the answer came."""


@dataclass(eq=False)
class _Check:
    """One job's files waiting for their diagnostics; whoever gets a checker first
    checks every waiting job's files with its own (up to CHECK_BATCH)."""

    files: dict[str, str]
    party: str
    done: threading.Event = field(default_factory=threading.Event)
    diagnostics: dict[str, list[dict[str, Any]]] | None = None
    error: BaseException | None = None

    def result(self) -> dict[str, list[dict[str, Any]]]:
        self.done.wait()
        if self.error is not None:
            raise self.error
        assert self.diagnostics is not None
        return self.diagnostics


class CheckerPool:
    """A process's Node checkers: each check takes one (tenants served in turn when all
    are busy, core.fair_gate), so the CPU-bound checks run one per checker however many
    jobs wait on models in this process. Type checks of jobs waiting at the same time go
    to Node together (CHECK_BATCH at most): one program checks them all, paying the
    checker's set-up (~0.1 s) once."""

    def __init__(self, size: int, deps_dir: Path, *, timeout_s: float, batch: int = 1) -> None:
        self._all = [TypeChecker(deps_dir, timeout_s=timeout_s) for _ in range(size)]
        self._idle = list(self._all)
        self._gate = FairGate(size)
        self._batch = batch
        self._waiting: list[_Check] = []
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        return len(self._all)

    @property
    def version(self) -> str:
        return next((c.version for c in self._all if c.version), "")

    @contextlib.contextmanager
    def _one(self) -> Iterator[TypeChecker]:
        with self._gate.slot():
            checker = self._idle.pop()  # the gate leaves one idle per holder
            try:
                yield checker
            finally:
                self._idle.append(checker)

    def check(self, files: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
        while True:
            mine = _Check(files, party.get())
            with self._lock:
                self._waiting.append(mine)
            with self._one() as checker:
                batch = self._take(mine)
                if batch:
                    self._run(checker, batch)
            try:
                return mine.result()  # checked here, or by the holder that took it along
            except _CarrierStopped:
                continue  # that holder's job was stopped mid-check: ask again

    def _take(self, mine: _Check) -> list[_Check]:
        """`mine` (unless another holder took it) and the longest-waiting checks of the
        other tenants in turn, up to the batch size."""
        with self._lock:
            if mine not in self._waiting:
                return []
            self._waiting.remove(mine)
            batch, seen = [mine], {mine.party}
            for rounds in range(2):  # first one per other tenant, then anyone's
                for other in list(self._waiting):
                    if len(batch) >= self._batch:
                        break
                    if rounds == 1 or other.party not in seen:
                        batch.append(other)
                        seen.add(other.party)
                        self._waiting.remove(other)
            return batch

    @staticmethod
    def _run(checker: TypeChecker, batch: list[_Check]) -> None:
        try:
            answers = checker.check_batch([each.files for each in batch])
        except BaseException as exc:
            # The checker's failure is everyone's; the carrier's own stop (its time limit)
            # is not: the others ask again.
            shared = exc if isinstance(exc, TypeCheckUnavailable) else _CarrierStopped()
            for each in batch:
                each.error = exc if each is batch[0] else shared
                each.done.set()
            raise
        for each, diagnostics in zip(batch, answers, strict=True):
            each.diagnostics = diagnostics
            each.done.set()

    def check_and_render(
        self,
        files: dict[str, str],
        *,
        allowed_packages: Sequence[str],
        timeout_s: float,
        url_hosts: Sequence[str] = (),
        axe: bool = True,
    ) -> tuple[dict[str, list[dict[str, Any]]], RenderReport]:
        """The type check (batched, as `check`), then the render on a checker of its own
        turn: one job's slow stories never hold other jobs' checks."""
        try:
            diagnostics = self.check(files)
        except TypeCheckUnavailable as exc:
            if "gave no answer" not in str(exc):
                raise
            return {}, RenderReport(error=str(exc)[:300], timed_out=True)
        with self._one() as checker:
            _, report = checker.check_and_render(
                files, allowed_packages=allowed_packages, timeout_s=timeout_s,
                url_hosts=url_hosts, axe=axe, check=False,
            )  # fmt: skip
        return diagnostics, report

    def warm_up(self) -> None:
        """Start every checker ahead of the first job (Node and the type libraries take
        ~1 s; jsdom and axe-core, for the first render, about as long again)."""
        for checker in self._all:
            try:
                checker.check({"component.tsx": "export {};\n"})
            except TypeCheckUnavailable as exc:
                logger.info("TypeScript checks unavailable: %s", exc)
                return
            try:
                checker.check_and_render(
                    {"component.tsx": "export default function Warm() { return null; }\n"},
                    allowed_packages=(),
                    timeout_s=get_settings().render_timeout_s,
                )
            except TypeCheckUnavailable as exc:
                logger.info("sandboxed render unavailable: %s", exc)

    def close(self) -> None:
        for checker in self._all:
            checker.close()


def warm_up() -> None:
    checker().warm_up()


def pool_size() -> int:
    """CHECKER_PROCESSES, else one per core on the gevent pool (its one process serves
    every job) and one in a prefork child (which runs one job at a time)."""
    configured = get_settings().checker_processes
    if configured:
        return configured
    return (os.cpu_count() or 1) if green.is_green() else 1


_checker: CheckerPool | None = None
_owner_pid: int | None = None
_create_lock = threading.Lock()


def _close_own(own: CheckerPool, pid: int) -> None:
    """At exit, stop the checkers this process started (never a parent's, which a forked
    child inherits)."""
    if os.getpid() == pid:
        own.close()


def checker() -> CheckerPool:
    """This process's checkers (a forked worker child starts its own)."""
    global _checker, _owner_pid
    with _create_lock:
        if _checker is None or _owner_pid != os.getpid():
            settings = get_settings()
            _checker = CheckerPool(
                pool_size(), settings.tsc_deps_dir, timeout_s=settings.typecheck_timeout_s,
                batch=settings.check_batch,
            )  # fmt: skip
            _owner_pid = os.getpid()
            atexit.register(_close_own, _checker, _owner_pid)  # no Node outlives its process
        return _checker


def close_checkers() -> None:
    """Stop this process's checkers, if it started any."""
    if _checker is not None and _owner_pid == os.getpid():
        _checker.close()
