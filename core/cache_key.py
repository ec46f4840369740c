"""The L1 key of a job: `exact:` + sha256 of the canonical JSON of what shapes the output.

DESIGN.md: the tenant (unless L1 is global), source identity, tokens, requirements and
generator identity. The component type and name are in it too: they shape the files'
contents, so two jobs differing only in name must not share an entry.
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


def source_identity(spec: JobSpec) -> dict[str, str]:
    source = spec.source
    if source.figma_file_key is not None:
        return {"figma_file_key": source.figma_file_key}
    if source.screenshot_sha256 is not None:
        return {"screenshot_sha256": source.screenshot_sha256}
    assert source.figma_file is not None
    return {"figma_file_sha256": hashlib.sha256(canonical_json(source.figma_file)).hexdigest()}


def cache_key(spec: JobSpec, *, generator_version: str, per_tenant: bool = True) -> str:
    """`generator_version` is the worker's (workers.chain.GENERATOR_VERSION). Entries are
    the job's tenant's own unless `per_tenant` is off (L1_SCOPE=global)."""
    identity = {
        "tenant": spec.tenant_id if per_tenant else None,
        "source": source_identity(spec),
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
