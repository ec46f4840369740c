"""What the local LLM answers by default: valid JSON for each step, by what was asked."""

from __future__ import annotations

import json
from typing import Any

from devstack.fakes.openai_api import request_data, request_step


def canned_answer(body: dict[str, Any]) -> str:
    name = request_data(body)["component_name"]
    if request_step(body) == "propose_requirements":
        return json.dumps(
            {
                "props": [
                    {"name": "label", "type": "string", "required": True},
                    {"name": "tone", "type": "enum", "values": ["calm", "loud"]},
                ],
                "events": [{"name": "onClick"}],
                "states": [{"name": "disabled"}],
                "accessibility": [{"name": "aria-label"}],
            }
        )
    component = f"""import React from "react";

export interface {name}Props {{
  label: string;
  onClick?: (event: React.MouseEvent<HTMLButtonElement>) => void;
}}

const tokenStyle = {{ "--cf-color-primary": "#2563eb" }} as React.CSSProperties;

export function {name}({{ label, onClick }}: {name}Props): React.ReactElement {{
  return (
    <button type="button" aria-label={{label}} onClick={{onClick}}
      style={{{{ ...tokenStyle, backgroundColor: "var(--cf-color-primary)" }}}}>
      {{label}}
    </button>
  );
}}

export default {name};
"""
    stories = f"""import type {{ Meta, StoryObj }} from "@storybook/react";
import {{ {name} }} from "./component";

const meta = {{
  title: "Components/{name}", component: {name}, args: {{ label: "Go" }},
}} satisfies Meta<typeof {name}>;
export default meta;
type Story = StoryObj<typeof meta>;
export const Default: Story = {{}};
"""
    return json.dumps({"component_tsx": component, "stories_tsx": stories})
