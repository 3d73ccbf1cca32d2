"""mfa_totp: authenticator devices and recovery codes

The first revision of the plugin's own branch ("mfa_totp"); it depends on the
core's first tenant revision, whose ``users`` table the foreign keys point at.

Revision ID: mfa_totp_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from praxcloud.plugin import UTCDateTime

revision = "mfa_totp_0001"
down_revision = None
branch_labels = ("mfa_totp",)
depends_on = "0001"


def upgrade() -> None:
    op.create_table(
        "totp_devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.LargeBinary(), nullable=True),
        sa.Column("confirmed_at", UTCDateTime(), nullable=True),
        sa.Column("last_used_step", sa.BigInteger(), nullable=True),
        sa.Column("pending_secret", sa.LargeBinary(), nullable=True),
        sa.Column("pending_since", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_totp_devices")),
        sa.UniqueConstraint("user_id", name=op.f("uq_totp_devices_user_id")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_totp_devices_user_id_users")),
    )
    op.create_table(
        "totp_recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_totp_recovery_codes")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_totp_recovery_codes_user_id_users")),
    )
    op.create_index(op.f("ix_totp_recovery_codes_user_id"), "totp_recovery_codes",
                    ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_totp_recovery_codes_user_id"), table_name="totp_recovery_codes")
    op.drop_table("totp_recovery_codes")
    op.drop_table("totp_devices")
