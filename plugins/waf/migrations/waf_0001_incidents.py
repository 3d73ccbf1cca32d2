"""waf: the incidents it blocked

Revision ID: waf_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from praxcloud.plugin import UTCDateTime

revision = "waf_0001"
down_revision = None
branch_labels = ("waf",)
depends_on = "0001"


def upgrade() -> None:
    op.create_table(
        "waf_incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident", sa.String(length=16), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("matches", sa.JSON(), nullable=False),
        sa.Column("blacklisted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waf_incidents")),
        sa.UniqueConstraint("incident", name=op.f("uq_waf_incidents_incident")),
    )
    op.create_index(op.f("ix_waf_incidents_at"), "waf_incidents", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_waf_incidents_at"), table_name="waf_incidents")
    op.drop_table("waf_incidents")
