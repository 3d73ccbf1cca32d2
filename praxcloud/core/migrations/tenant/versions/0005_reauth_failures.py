"""auth_sessions.reauth_failures: the step-up counter as a column, counted before the check

A wrong password given for step-up or a password change used to be counted
in auth_sessions.data (JSON), read and then written, so that passwords sent
at the same moment were each checked. A column lets one conditional UPDATE
take a try before the password is checked (stepup.confirm_password).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 05:15:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('auth_sessions') as batch_op:
        batch_op.add_column(sa.Column('reauth_failures', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('auth_sessions') as batch_op:
        batch_op.drop_column('reauth_failures')
