"""password_policy: the password history

The first revision of the plugin's own branch ("password_policy"); it
depends on the core's first tenant revision, whose ``users`` table the
foreign key points at.

Revision ID: password_policy_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from praxcloud.plugin import UTCDateTime

revision = "password_policy_0001"
down_revision = None
branch_labels = ("password_policy",)
depends_on = "0001"


def upgrade() -> None:
    op.create_table(
        "password_policy_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_policy_history")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_password_policy_history_user_id_users")),
    )
    op.create_index(op.f("ix_password_policy_history_user_id"), "password_policy_history",
                    ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_password_policy_history_user_id"),
                  table_name="password_policy_history")
    op.drop_table("password_policy_history")
