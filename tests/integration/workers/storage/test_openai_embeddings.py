"""The "openai" embedder through the real openai client, against the local
OpenAI-compatible API (devstack.fakes.openai_api), which embeds as the local embedder does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.settings import get_settings
from core.errors import DependencyUnavailable, GenerationError
from core.spec import JobSpec
from devstack.fakes.llm_answers import canned_answer
from devstack.fakes.openai_api import LLMState, openai_server
from workers.clients import close_clients
from workers.storage.embeddings import LocalHashEmbedder, OpenAIEmbedder, design_text, get_embedder

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

KEY = "sk-embeddings-test"
CARD = Path(__file__).resolve().parents[4] / "samples" / "exemplars" / "card.json"


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[LLMState]:
    """A local endpoint of its own; this process's settings point the openai embedder at it."""

    def reload() -> None:
        get_settings.cache_clear()
        get_embedder.cache_clear()
        close_clients()  # the openai client is built from settings once per process

    with openai_server(KEY, canned_answer) as (url, state):
        monkeypatch.setenv("OPENAI_BASE_URL", url)
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        monkeypatch.setenv("EMBEDDING_PROVIDER", "openai")
        reload()
        yield state
        monkeypatch.undo()
        reload()


def card_text() -> str:
    spec = JobSpec.model_validate(json.loads(CARD.read_text()))
    assert spec.tokens is not None
    return design_text(spec.component_type, spec.tokens, spec.requirements)


def test_the_endpoint_embeds_the_design(endpoint: LLMState) -> None:
    # Given the configured embedder
    embedder = get_embedder()
    assert isinstance(embedder, OpenAIEmbedder)
    assert (embedder.name, embedder.model) == (
        "openai:text-embedding-3-small:256",
        "text-embedding-3-small",
    )
    # When it embeds a design
    text = card_text()
    embedding = embedder.embed(text)
    # Then the vector is what the endpoint computed (the local embedder's), unit length,
    # with the tokens it billed; one request asked for 256 dimensions of the model
    assert embedding.vector == pytest.approx(LocalHashEmbedder(dimensions=256).embed(text).vector)
    assert sum(x * x for x in embedding.vector) == pytest.approx(1.0)
    assert embedding.prompt_tokens == len(text.split())
    asked = [
        {k: r.get(k) for k in ("model", "input", "dimensions")} for r in endpoint.embedding_requests
    ]
    assert asked == [{"model": "text-embedding-3-small", "input": text, "dimensions": 256}]
    assert endpoint.requests == []  # no chat completion


def test_a_refused_key_is_a_generation_error(
    endpoint: LLMState, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong")
    get_settings.cache_clear()
    close_clients()
    with pytest.raises(
        GenerationError, match=r"refused the key \(HTTP 401\); check OPENAI_API_KEY"
    ):
        get_embedder().embed(card_text())
    assert endpoint.embedding_requests == []


def test_an_outage_is_a_dependency_unavailable(endpoint: LLMState) -> None:
    endpoint.outage = "500"
    with pytest.raises(DependencyUnavailable, match="embeddings endpoint unavailable") as caught:
        get_embedder().embed(card_text())
    assert caught.value.kind == "server_error"


def test_no_key_says_which_setting(endpoint: LLMState, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    get_settings.cache_clear()
    with pytest.raises(GenerationError, match='EMBEDDING_PROVIDER is "openai" but OPENAI_API_KEY'):
        get_embedder().embed(card_text())
