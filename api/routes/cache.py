"""DELETE /v1/cache/{key}: invalidate one L1 entry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from api.deps import CacheRedisDep, Submitter
from api.errors import error_response
from api.schemas import error_responses
from api.strict_body import refuse_non_json_body
from core.cache_key import normalize_key
from workers.storage import figma_client, l1_cache

router = APIRouter(prefix="/v1/cache", tags=["cache"], dependencies=[Depends(refuse_non_json_body)])

CacheKey = Annotated[
    str,
    # Documented, and checked by normalize_key (whose 422 says what to send instead).
    Path(
        description="exact:<sha256> (as in a job's cache_key) or the bare sha256",
        json_schema_extra={"pattern": r"^(exact:)?[0-9a-f]{64}$"},
    ),
]


@router.delete(
    "/figma/{file_key}",
    status_code=204,
    responses=error_responses(
        401, 403, 404, 415, 422, 503, described={404: "nothing cached for that file"}
    ),
)
def delete_figma_entries(
    file_key: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,128}$")],
    client: CacheRedisDep,
    caller: Submitter,
) -> Response:
    """Drop your tenant's L0 cache of a Figma file (its file and styles answers), so the
    next job on it fetches afresh from Figma."""
    if not figma_client.invalidate(client, caller.tenant_id, file_key):
        return error_response(404, "not_found", f"no cached Figma answers for {file_key}")
    return Response(status_code=204)


@router.delete(
    "/{key}",
    status_code=204,
    responses=error_responses(
        401,
        403,
        404,
        415,
        422,
        503,
        described={404: "no such entry", 422: "not an exact:<sha256> key"},
    ),
)
def delete_cache_entry(key: CacheKey, client: CacheRedisDep, caller: Submitter) -> Response:
    """Remove an entry of your tenant; the next job with those inputs is generated afresh.
    `key` is `exact:<sha256>` (as in a job's cache_key) or the bare sha256."""
    normalized = normalize_key(key)
    if normalized is None:
        return error_response(
            422,
            "validation_error",
            "key must be exact:<64 hex> or <64 hex>, as in a job's cache_key",
            [{"field": "key", "reason": "not an exact cache key"}],
        )
    if not l1_cache.invalidate(client, normalized, tenant=caller.scope):
        return error_response(404, "not_found", f"no cache entry {normalized}")
    return Response(status_code=204)
