"""The job bodies named on `componentforge submit`'s command line: a `.json` file holds one
job (an object) or several (an array of objects, like samples/batch.json); a `.jsonl` (or
`.ndjson`) file holds one job per line; a folder holds such files, searched recursively
in name order. A file that cannot be read is a usage error naming the file and where."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

JSON_LINES_SUFFIXES = (".jsonl", ".ndjson")
JOB_FILE_SUFFIXES = (".json", *JSON_LINES_SUFFIXES)


class JobFileError(ValueError):
    """A path or file that holds no usable job; the message names it and where."""


@dataclass(frozen=True)
class JobInput:
    origin: str  # where the body came from: "jobs/a.json", "batch.json[3]", "jobs.jsonl:7"
    body: dict[str, Any]


def collect_jobs(paths: list[Path]) -> list[JobInput]:
    """Every job in `paths`, in the order given (a folder's files in name order)."""
    jobs: list[JobInput] = []
    for path in paths:
        for file in _job_files(path):
            jobs.extend(_read_jobs(file))
    return jobs


def _job_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(
            p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in JOB_FILE_SUFFIXES
        )
        if not files:
            raise JobFileError(f"{path}: no .json or .jsonl job files in this folder")
        return files
    if path.is_file():
        return [path]
    raise JobFileError(f"{path}: no such file or folder")


def _read_jobs(file: Path) -> list[JobInput]:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise JobFileError(f"{file}: cannot read it ({exc})") from None
    if file.suffix.lower() in JSON_LINES_SUFFIXES:
        jobs = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                value = _parse(line, file, line_number=number)
                jobs.append(JobInput(f"{file}:{number}", _object(value, file, f"line {number}")))
        if not jobs:
            raise JobFileError(f"{file}: no jobs in it (one JSON object per line)")
        return jobs
    value = _parse(text, file)
    if isinstance(value, list):
        if not value:
            raise JobFileError(f"{file}: an empty array; put one job object (or more) in it")
        return [
            JobInput(f"{file}[{index}]", _object(item, file, f"item {index}"))
            for index, item in enumerate(value)
        ]
    return [JobInput(str(file), _object(value, file, "the top level"))]


def _parse(text: str, file: Path, *, line_number: int | None = None) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        line = line_number if line_number is not None else exc.lineno
        raise JobFileError(
            f"{file}: line {line} column {exc.colno}: not valid JSON ({exc.msg})"
        ) from None


def _object(value: Any, file: Path, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise JobFileError(
            f"{file}: {where} is a JSON {_json_kind(value)}, not a job: a job is an "
            'object such as {"component_name": ..., "component_type": ..., "source": ...}'
        )
    return value


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string" if isinstance(value, str) else "null"
