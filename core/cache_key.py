"""The L1 key of a job: `exact:` + sha256 of the canonical JSON of what shapes the output.

DESIGN.md: the tenant (unless L1 is global), source identity, tokens, requirements and
generator identity. The component type and name are in it too: they shape the files'
contents, so two jobs differing only in name must not share an entry.
A `figma_file_key` source is identified by its key and its current version (the worker
asks Figma), so an edited file misses; an inline file by its body's hash, a screenshot
by its hash.
"""

from __future__ import annotations

import hashlib
import re

from core.canonical import canonical_json
from core.keys import L1_PREFIX
from core.spec import JobSpec

_KEY = re.compile(r"exact:[0-9a-f]{64}")


def normalize_key(raw: str) -> str | None:
    """Accept `exact:<sha>` or the bare sha; None when it is neither."""
    key = raw if raw.startswith(L1_PREFIX) else L1_PREFIX + raw
    return key if _KEY.fullmatch(key) else None


def reads_figma_file(spec: JobSpec) -> bool:
    """The job's tokens come from its figma_file_key's file: its version then matters
    (a job that gives its tokens never reads the file)."""
    return spec.source.figma_file_key is not None and spec.tokens is None


def source_identity(spec: JobSpec, source_version: str | None = None) -> dict[str, str]:
    """`source_version`: the Figma file's current version, required for a
    figma_file_key source whose tokens come from the file (a key without it would keep
    serving an edited file). A job that gives its tokens never reads its file: its key
    names the file alone."""
    source = spec.source
    if source.figma_file_key is not None:
        if not reads_figma_file(spec):
            return {"figma_file_key": source.figma_file_key}
        if not source_version:
            raise ValueError("a figma_file_key source's cache key needs the file's version")
        return {"figma_file_key": source.figma_file_key, "version": source_version}
    if source.screenshot_sha256 is not None:
        return {"screenshot_sha256": source.screenshot_sha256}
    assert source.figma_file is not None
    return {"figma_file_sha256": hashlib.sha256(canonical_json(source.figma_file)).hexdigest()}


def cache_key(
    spec: JobSpec,
    *,
    generator_version: str,
    per_tenant: bool = True,
    source_version: str | None = None,
) -> str:
    """`generator_version` is the worker's (workers.chain.GENERATOR_VERSION). Entries are
    the job's tenant's own unless `per_tenant` is off (L1_SCOPE=global).
    `source_version`: see source_identity."""
    identity = {
        "tenant": spec.tenant_id if per_tenant else None,
        "source": source_identity(spec, source_version),
        "tokens": spec.tokens.model_dump(mode="json") if spec.tokens else None,
        "requirements": (
            spec.requirements.model_dump(mode="json", exclude_none=True)
            if spec.requirements
            else None
        ),
        "component": {"type": spec.component_type, "name": spec.component_name},
        "generator": {
            "provider": spec.options.provider,
            "model": spec.options.model,
            "version": generator_version,
        },
    }
    return L1_PREFIX + hashlib.sha256(canonical_json(identity)).hexdigest()
