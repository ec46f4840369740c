"""Which token reads a tenant's Figma files: its own; the deployment's only when shared."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

from config.settings import Settings
from core.errors import FigmaError
from workers.storage import figma_tokens, tenant_lookups

ENGINE: Any = object()  # never used: the look-up is replaced


def settings(**values: Any) -> Settings:
    return Settings(figma_token=SecretStr("deployment-token"), **values)


@pytest.fixture
def own_tokens(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    tokens = {"tenant-a": "a-token"}
    monkeypatch.setattr(
        tenant_lookups,
        "figma_token",
        lambda _engine, tenant: SecretStr(tokens[tenant]) if tenant in tokens else None,
    )
    return tokens


@pytest.mark.parametrize("shared", [False, True])
def test_a_tenant_with_a_token_uses_its_own(own_tokens: dict[str, str], shared: bool) -> None:
    token = figma_tokens.token_for(settings(figma_token_shared=shared), ENGINE, "tenant-a")
    assert token.get_secret_value() == "a-token"


def test_without_one_the_deployments_token_serves_only_when_shared(
    own_tokens: dict[str, str],
) -> None:
    shared = figma_tokens.token_for(settings(figma_token_shared=True), ENGINE, "tenant-b")
    assert shared.get_secret_value() == "deployment-token"
    with pytest.raises(FigmaError) as raised:
        figma_tokens.token_for(settings(), ENGINE, "tenant-b")
    message = str(raised.value)
    assert "tenant tenant-b has no Figma token: componentforge tenants set tenant-b" in message
    assert "deployment-token" not in message
