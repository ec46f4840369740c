"""Argument types shared by the command groups."""

from __future__ import annotations

from typing import Any

import click

from core.access import valid_tenant

TENANT_RULE = "1 to 63 lower-case letters, digits, '-' or '_', starting with a letter or digit"


class TenantId(click.ParamType):
    name = "TENANT"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        if not valid_tenant(str(value)):
            self.fail(f"{value!r} is not a tenant id: use {TENANT_RULE}", param, ctx)
        return str(value)


TENANT = TenantId()
