"""Where a job's artifacts are written: under the output folder at their S3 key
(components/<id>/component.tsx), and nowhere else. A key comes from the server; one that
could climb out of the folder (`..`, an absolute path, a drive) is refused, not cleaned."""

from __future__ import annotations

from pathlib import Path, PurePosixPath


class UnsafeArtifactKey(ValueError):
    """An artifact key that would be written outside the output folder."""


def artifact_path(out_dir: Path, key: str) -> Path:
    """`out_dir / key`, for a relative key of plain names separated by `/`."""
    parts = PurePosixPath(key).parts
    if (
        not key
        or "\\" in key
        or "\0" in key
        or PurePosixPath(key).is_absolute()
        or any(part in ("..", ".") for part in parts)
        or ":" in parts[0]  # a Windows drive ("C:")
    ):
        raise UnsafeArtifactKey(
            f"artifact key {key!r} would be written outside {out_dir}: refused "
            "(a key must be a relative path without '..')"
        )
    return out_dir.joinpath(*parts)
