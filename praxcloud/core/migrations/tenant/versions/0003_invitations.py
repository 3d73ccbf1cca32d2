"""password_resets.kind: a welcome invitation is a link of its own kind

An invitation (a new user choosing their first password) lives in the same
table as forgot-password links, with its own kind, validity and mail text;
rows from before the column are reset links.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 04:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('password_resets', sa.Column('kind', sa.String(length=20), nullable=False,
                                               server_default='reset'))


def downgrade() -> None:
    with op.batch_alter_table('password_resets') as batch:
        batch.drop_column('kind')
