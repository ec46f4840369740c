"""Job bodies for tests, the bench and chaos load: a valid button with tokens and
requirements, each with a screenshot hash of its own unless told otherwise."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any


def unique_sha() -> str:
    """A screenshot hash no other test uses, so each test starts with a cold L1 cache."""
    return hashlib.sha256(uuid.uuid4().bytes).hexdigest()


def make_job(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "component_name": "PrimaryButton",
        "component_type": "button",
        "source": {"screenshot_sha256": unique_sha()},
        "tokens": {
            "colors": {"primary": "#0055ff", "on-primary": "#ffffff"},
            "typography": {"body": {"fontFamily": "Inter, sans-serif", "fontSize": "16px"}},
            "spacing": {"md": "12px"},
            "borderRadius": {"md": "8px"},
        },
        "requirements": {
            "props": [
                {"name": "label", "type": "string", "required": True},
                {"name": "variant", "values": ["primary", "secondary"]},
            ],
            "events": [{"name": "onClick"}],
            "states": [{"name": "disabled"}],
            "accessibility": [{"name": "aria-label"}],
        },
    }
    body.update(overrides)
    return body
