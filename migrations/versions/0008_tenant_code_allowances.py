"""tenants.code_packages and tenants.code_url_hosts: what a tenant's generated code may
import and link to beyond the deployment's defaults (CODE_ALLOWED_PACKAGES,
CODE_URL_HOSTS); NULL: the defaults

Read by the worker's code gate (workers.chain.quality.policy.Allowances), set with
`componentforge tenants set T --code-packages ... --code-url-hosts ...`.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tenants", sa.Column("code_packages", JSONB, nullable=True))
    op.add_column("tenants", sa.Column("code_url_hosts", JSONB, nullable=True))


def downgrade() -> None:
    op.drop_column("tenants", "code_url_hosts")
    op.drop_column("tenants", "code_packages")
