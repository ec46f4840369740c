"""LLM prices, USD per million tokens (input, output). Extend or override with
LLM_PRICES_JSON; a model without a price costs 0 and the job's report says so."""

from __future__ import annotations

import json
from functools import lru_cache

from config.settings import get_settings

PRICES_USD_PER_MILLION: dict[str, tuple[float, float]] = {
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    # Embeddings (the L2 cache's "openai" embedder): input only.
    "text-embedding-3-small": (0.02, 0.0),
    "text-embedding-3-large": (0.13, 0.0),
}


@lru_cache(maxsize=1)
def price_table() -> dict[str, tuple[float, float]]:
    table = dict(PRICES_USD_PER_MILLION)
    extra = get_settings().llm_prices_json
    if extra:
        table |= {model: (float(p[0]), float(p[1])) for model, p in json.loads(extra).items()}
    return table


def cost_usd(model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
    """None when the model has no price."""
    price = price_table().get(model)
    if price is None:
        return None
    return round((prompt_tokens * price[0] + completion_tokens * price[1]) / 1_000_000, 8)
