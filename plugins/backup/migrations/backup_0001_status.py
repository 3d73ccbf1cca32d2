"""backup: the tenant's backup status as last read from its repository (backup_status)

The first revision of the plugin's own branch ("backup"): one row, written
whenever the plugin reads the tenant's restic repository, read by the
platform operators' page instead of listing every repository on each load.

Revision ID: backup_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from praxcloud.plugin import UTCDateTime

revision = "backup_0001"
down_revision = None
branch_labels = ("backup",)
depends_on = "0001"


def upgrade() -> None:
    op.create_table(
        "backup_status",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repository", sa.String(length=40), nullable=False),
        sa.Column("checked_at", UTCDateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("verified_count", sa.Integer(), nullable=False),
        sa.Column("newest_at", UTCDateTime(), nullable=True),
        sa.Column("newest_size", sa.BigInteger(), nullable=True),
        sa.Column("newest_verified", sa.Boolean(), nullable=True),
        sa.Column("last_good_at", UTCDateTime(), nullable=True),
        sa.Column("error", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backup_status")),
    )


def downgrade() -> None:
    op.drop_table("backup_status")
