"""The agent chain: extract_tokens -> propose_requirements -> retrieve_pattern ->
generate_code -> validate_quality, with providers for the LLM-backed steps."""

from workers.chain.runner import run_chain
from workers.chain.steps import STEP_NAMES
from workers.chain.types import (
    ARTIFACT_NAMES,
    GENERATOR_VERSION,
    ChainContext,
    ChainResult,
    CostLine,
    GeneratedCode,
    Provider,
)

__all__ = [
    "ARTIFACT_NAMES",
    "GENERATOR_VERSION",
    "STEP_NAMES",
    "ChainContext",
    "ChainResult",
    "CostLine",
    "GeneratedCode",
    "Provider",
    "run_chain",
]
