"""users.email_index no longer unique: a truncated blind index is shared by a few addresses

A field codec may truncate the e-mail's blind index (CipherSweet's advice:
a few rows per index value, so the index alone confirms no address). The
lookup reads the candidates and compares their decoded addresses; the
uniqueness of addresses is kept by create_user under the tenant's lock.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 12:20:00
"""
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index(op.f('ix_users_email_index'), table_name='users')
    op.create_index(op.f('ix_users_email_index'), 'users', ['email_index'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_users_email_index'), table_name='users')
    op.create_index(op.f('ix_users_email_index'), 'users', ['email_index'], unique=True)
