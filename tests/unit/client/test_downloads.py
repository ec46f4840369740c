"""Artifacts are written under the output folder at their S3 keys, and nowhere else."""

from __future__ import annotations

from pathlib import Path

import pytest

from client.downloads import UnsafeArtifactKey, artifact_path


def test_a_key_becomes_a_path_under_the_folder(tmp_path: Path) -> None:
    key = "components/3f2c/component.tsx"
    assert artifact_path(tmp_path, key) == tmp_path / "components" / "3f2c" / "component.tsx"


@pytest.mark.parametrize(
    "key",
    [
        "../outside.tsx",
        "components/../../outside.tsx",
        "/etc/passwd",
        "C:/Windows/evil.dll",
        "components\\..\\evil",
        "",
    ],
)
def test_a_key_that_could_leave_the_folder_is_refused(tmp_path: Path, key: str) -> None:
    with pytest.raises(UnsafeArtifactKey, match="outside"):
        artifact_path(tmp_path, key)
