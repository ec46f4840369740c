"""Providers answer the LLM-backed steps. `template` works offline; others plug in here."""

from __future__ import annotations

from workers.chain.providers.openai_provider import OpenAIProvider
from workers.chain.providers.template import TemplateProvider
from workers.chain.types import Provider

_PROVIDERS: dict[str, type] = {"template": TemplateProvider, "openai": OpenAIProvider}


def get_provider(name: str, model: str | None = None) -> Provider:
    try:
        factory = _PROVIDERS[name]
    except KeyError:
        known = ", ".join(sorted(_PROVIDERS))
        raise ValueError(f"unknown provider {name!r}; known: {known}") from None
    return factory(model=model)
