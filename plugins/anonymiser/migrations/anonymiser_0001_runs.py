"""anonymiser: its runs and erasure receipts

Depends on the core's 0008, which adds records.anonymised_at and
users.anonymised_at.

Revision ID: anonymiser_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from praxcloud.plugin import UTCDateTime

revision = "anonymiser_0001"
down_revision = None
branch_labels = ("anonymiser",)
depends_on = "0008"


def upgrade() -> None:
    op.create_table(
        "anonymiser_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("policy_version", sa.String(length=12), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("cutoff", UTCDateTime(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("sample_ids", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anonymiser_runs")),
    )
    op.create_index(op.f("ix_anonymiser_runs_policy_version"), "anonymiser_runs",
                    ["policy_version"], unique=False)
    op.create_table(
        "anonymiser_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("by", sa.String(length=20), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anonymiser_receipts")),
    )


def downgrade() -> None:
    op.drop_table("anonymiser_receipts")
    op.drop_index(op.f("ix_anonymiser_runs_policy_version"), table_name="anonymiser_runs")
    op.drop_table("anonymiser_runs")
