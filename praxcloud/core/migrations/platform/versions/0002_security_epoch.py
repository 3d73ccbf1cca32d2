"""tenants.security_epoch: open sessions older than it are re-evaluated at their next request

Bumped when an administrator changes the tenant's security settings, when
the contract changes, or by a plugin (security.reevaluate_sessions); each
session carries the epoch it was last evaluated at.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 04:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('tenants', sa.Column('security_epoch', sa.Integer(), nullable=False,
                                       server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('tenants') as batch:
        batch.drop_column('security_epoch')
