"""hello: visits table

The first revision of the plugin's own branch: ``branch_labels`` names the
branch after the plugin, and ``depends_on`` the core's first tenant revision
("0001"), whose ``users`` table the foreign key points at.

Revision ID: hello_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "hello_0001"
down_revision = None
branch_labels = ("hello",)
depends_on = "0001"


def upgrade() -> None:
    op.create_table(
        "hello_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hello_visits")),
        sa.UniqueConstraint("user_id", name=op.f("uq_hello_visits_user_id")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_hello_visits_user_id_users")),
    )


def downgrade() -> None:
    op.drop_table("hello_visits")
