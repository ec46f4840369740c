"""A small typed client of the HTTP API (README: Using the API), over one httpx.Client.
Every refusal the API answers becomes one `ApiError` (status, type, message, fields);
an API that cannot be reached becomes `ApiUnreachable`. The key is only ever sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from client.downloads import artifact_path
from client.sse import ServerSentEvent, parse_events

DEFAULT_URL = "http://127.0.0.1:8000"
REQUEST_TIMEOUT_S = 30.0
# A stream stays quiet between stages; the server sends a keep-alive every ~15 s.
STREAM_READ_TIMEOUT_S = 60.0

JsonDict = dict[str, Any]


@dataclass(eq=False)  # an exception compares by identity
class ApiError(Exception):
    """The API refused a request: `{"error": {"type", "message", "fields"}}` and its status."""

    status: int
    type: str
    message: str
    fields: list[JsonDict] = field(default_factory=list)

    def __str__(self) -> str:
        shown = f"{self.message} ({self.status})"
        # A field's reason the message already says is not said twice.
        problems = "; ".join(
            f"{f.get('field', '?')}: {f.get('reason', '')}"
            for f in self.fields
            if str(f.get("reason", "")) not in self.message
        )
        return f"{shown}: {problems}" if problems else shown


class ApiUnreachable(Exception):
    """No answer from the API (refused connection, DNS, timeout)."""


class ComponentForgeApi:
    """The API at `base_url`, called with one key (`Authorization: Bearer`)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout_s: float = REQUEST_TIMEOUT_S,
        transport: httpx.BaseTransport | None = None,  # tests: an httpx.MockTransport
    ):
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout_s,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ComponentForgeApi:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def submit(self, job: JsonDict, *, idempotency_key: str | None = None) -> JsonDict:
        """POST /v1/generations: `{id, status, status_url}`."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return self._json("POST", "/v1/generations", json=job, headers=headers)

    def submit_batch(self, jobs: list[JsonDict], *, idempotency_key: str | None = None) -> JsonDict:
        """POST /v1/generations/batch (1..100 jobs): `{id, accepted, refused, items}`, each
        item `{index, id, status}` or `{index, error}`."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return self._json("POST", "/v1/generations/batch", json={"jobs": jobs}, headers=headers)

    def status(self, job_id: str, *, wait_s: float | None = None) -> JsonDict:
        """GET /v1/generations/{id}: the status document; `wait_s` long-polls until the job
        ends or the wait (capped by the server's MAX_WAIT_S) runs out."""
        params = {"wait": wait_s} if wait_s else {}
        timeout = REQUEST_TIMEOUT_S + (wait_s or 0)
        return self._json("GET", f"/v1/generations/{job_id}", params=params, timeout=timeout)

    def cancel(self, job_id: str) -> JsonDict:
        """POST /v1/generations/{id}/cancel: the status document (202 while a running job
        is asked to stop, 200 once cancelled); 409 ApiError when it already ended."""
        return self._json("POST", f"/v1/generations/{job_id}/cancel")

    def batch(self, batch_id: str) -> JsonDict:
        """GET /v1/batches/{id}: `{id, created_at, total, counts, jobs}`."""
        return self._json("GET", f"/v1/batches/{batch_id}")

    def events(self, job_id: str, *, last_event_id: str | None = None) -> Iterator[ServerSentEvent]:
        """GET /v1/generations/{id}/events: the job's events until the server closes the
        stream (after `end`). Resumes after `last_event_id` when given."""
        headers = {"Accept": "text/event-stream"}
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        timeout = httpx.Timeout(REQUEST_TIMEOUT_S, read=STREAM_READ_TIMEOUT_S)
        try:
            with self._http.stream(
                "GET", f"/v1/generations/{job_id}/events", headers=headers, timeout=timeout
            ) as response:
                if response.is_error:
                    response.read()
                    raise _api_error(response)
                yield from parse_events(response.iter_lines())
        except httpx.TransportError as exc:
            raise ApiUnreachable(self._unreachable(exc)) from None

    def usage(self) -> JsonDict:
        """GET /v1/usage: the tenant's month to date."""
        return self._json("GET", "/v1/usage")

    def invalidate_cache(self, key: str) -> None:
        """DELETE /v1/cache/{key} (an L1 key, `exact:<sha256>`); 404 ApiError when absent."""
        self._request("DELETE", f"/v1/cache/{key}")

    def download(self, job_id: str, out_dir: Path) -> list[Path]:
        """Every artifact of a succeeded job, written under `out_dir` at its S3 key, through
        its presigned URL (which needs no key: it is fetched without ours)."""
        document = self.status(job_id)
        result = document.get("result") or {}
        artifacts: dict[str, JsonDict] = result.get("artifacts") or {}
        if document.get("status") != "succeeded" or not artifacts:
            raise ApiError(
                409, "conflict", f"job {job_id} is {document.get('status')}: it has no "
                "artifacts to download (wait for it to succeed)",
            )  # fmt: skip
        # Every path is checked before anything is written: all the files or none.
        targets = [(artifact_path(out_dir, a["key"]), a["url"]) for a in artifacts.values()]
        written = []
        with httpx.Client(timeout=REQUEST_TIMEOUT_S) as plain:
            for path, url in targets:
                try:
                    response = plain.get(url)
                except httpx.TransportError as exc:
                    raise ApiUnreachable(f"cannot fetch {path.name} from storage: {exc}") from None
                if response.is_error:
                    raise ApiError(response.status_code, "download_failed",
                                   f"storage refused {path.name} (the link lasts 1 h: "
                                   "run download again for fresh links)")  # fmt: skip
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(response.content)
                written.append(path)
        return written

    def _json(self, method: str, path: str, **kwargs: Any) -> JsonDict:
        answer: JsonDict = self._request(method, path, **kwargs).json()
        return answer

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise ApiUnreachable(self._unreachable(exc)) from None
        if response.is_error:
            raise _api_error(response)
        return response

    def _unreachable(self, exc: httpx.TransportError) -> str:
        return (
            f"cannot reach the API at {self.base_url} ({type(exc).__name__}: {exc}); "
            "start it (`make up`) or set COMPONENTFORGE_URL / --url"
        )


def _api_error(response: httpx.Response) -> ApiError:
    """The API's error body, or what the status alone says when the body is not one."""
    try:
        error = response.json()["error"]
        return ApiError(response.status_code, str(error["type"]), str(error["message"]),
                        list(error.get("fields") or []))  # fmt: skip
    except (json.JSONDecodeError, KeyError, TypeError):
        return ApiError(response.status_code, "http_error", response.reason_phrase or "error")
