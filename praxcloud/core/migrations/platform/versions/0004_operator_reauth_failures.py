"""operator_sessions.reauth_failures: the operators' step-up counter, counted before the check

As for tenant sessions (tenant migration 0005): a wrong password on
/platform/confirm was counted in operator_sessions.data (JSON), read and
then written, so that passwords sent at the same moment were each checked.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 05:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('operator_sessions') as batch_op:
        batch_op.add_column(sa.Column('reauth_failures', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('operator_sessions') as batch_op:
        batch_op.drop_column('reauth_failures')
