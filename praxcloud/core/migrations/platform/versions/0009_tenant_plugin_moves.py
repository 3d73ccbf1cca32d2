"""tenant_plugins.move: a codec plugin's stored values being moved, recorded durably

While enabling, disabling or reconfiguring a plugin that encodes fields
(field encryption) moves the tenant's stored values in committed batches,
the contract line says so: every process then reads both forms and writes
the new one, and a rerun after an interrupted move knows what to finish.
An UPDATE of tenant_plugins already raises the tenants counter (0005).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 15:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tenant_plugins') as batch:
        batch.add_column(sa.Column('move', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tenant_plugins') as batch:
        batch.drop_column('move')
