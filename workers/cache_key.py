"""The L1 key of a job: `exact:` + sha256 of the canonical JSON of what shapes the output.

DESIGN.md: source identity, tokens, requirements and generator identity. The component
type and name are in it too: they shape the files' contents, so two jobs differing only
in name must not share an entry.
"""

from __future__ import annotations

import hashlib

from workers.cache import KEY_PREFIX
from workers.canonical import canonical_json
from workers.chain import GENERATOR_VERSION
from workers.jobspec import JobSpec


def source_identity(spec: JobSpec) -> dict[str, str]:
    source = spec.source
    if source.figma_file_key is not None:
        return {"figma_file_key": source.figma_file_key}
    if source.screenshot_sha256 is not None:
        return {"screenshot_sha256": source.screenshot_sha256}
    assert source.figma_file is not None
    return {"figma_file_sha256": hashlib.sha256(canonical_json(source.figma_file)).hexdigest()}


def cache_key(spec: JobSpec) -> str:
    identity = {
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
            "version": GENERATOR_VERSION,
        },
    }
    return KEY_PREFIX + hashlib.sha256(canonical_json(identity)).hexdigest()
