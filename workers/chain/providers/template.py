"""The offline provider: requirements from the pattern library, code from templates.
Deterministic: the same context gives byte-identical code."""

from __future__ import annotations

from core.requirements import Requirements
from workers.chain.codegen.component_model import build_model
from workers.chain.codegen.component_render import render_component
from workers.chain.codegen.stories_render import render_stories
from workers.chain.codegen.token_styles import TokenVars, token_vars
from workers.chain.inputs.retrieval import rank
from workers.chain.types import ChainContext, GeneratedCode


class TemplateProvider:
    name = "template"

    def __init__(self, *, model: str | None = None) -> None:
        self.model = model

    def propose_requirements(self, ctx: ChainContext) -> Requirements:
        # The best pattern of the type, on the component name alone, lends its defaults.
        best, _ = rank(ctx.spec, None)[0]
        return best.defaults

    def generate_code(self, ctx: ChainContext) -> GeneratedCode:
        assert ctx.tokens is not None and ctx.requirements is not None
        component_model = build_model(ctx.spec, ctx.requirements)
        return GeneratedCode(
            component_tsx=render_component(component_model, styling(ctx)),
            stories_tsx=render_stories(component_model),
        )


def styling(ctx: ChainContext) -> TokenVars:
    """The job's tokens as custom properties and roles: computed once per job, or given
    by an L3 entry."""
    assert ctx.tokens is not None
    if ctx.token_vars is None:
        ctx.token_vars = token_vars(ctx.tokens)
    return ctx.token_vars
