"""lockdown: the locks it has set

Revision ID: lockdown_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from praxcloud.plugin import UTCDateTime

revision = "lockdown_0001"
down_revision = None
branch_labels = ("lockdown",)
depends_on = "0001"


def upgrade() -> None:
    op.create_table(
        "lockdown_locks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("locked_at", UTCDateTime(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("unlocked_at", UTCDateTime(), nullable=True),
        sa.Column("unlocked_by", sa.String(length=254), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lockdown_locks")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_lockdown_locks_user_id_users")),
    )
    op.create_index(op.f("ix_lockdown_locks_user_id"), "lockdown_locks", ["user_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_lockdown_locks_user_id"), table_name="lockdown_locks")
    op.drop_table("lockdown_locks")
