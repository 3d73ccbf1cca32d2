"""room for encoded fields and the e-mail's blind index; login challenges keep plugin state

A field codec (field encryption) stores ciphertext in users.email,
users.display_name, records.email and records.phone, which is longer than
the plain values; users.email_index holds the blind index that login and
forgot-password look up when the e-mail is encrypted. login_challenges.data
is where second-factor plugins keep per-login state (a WebAuthn challenge).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 18:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('users', sa.Column('email_index', sa.String(length=64), nullable=True))
    op.create_index(op.f('ix_users_email_index'), 'users', ['email_index'], unique=True)
    op.add_column('login_challenges', sa.Column('data', sa.JSON(), nullable=True))
    # SQLite ignores VARCHAR lengths, and changing a type there would mean
    # copying the users table under the plugins' foreign keys to it.
    if op.get_bind().dialect.name == 'sqlite':
        return
    _resize(WIDER)


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        _resize({key: (new, old) for key, (old, new) in WIDER.items()})
    op.drop_column('login_challenges', 'data')
    op.drop_index(op.f('ix_users_email_index'), table_name='users')
    op.drop_column('users', 'email_index')


# (table, column, nullable) -> (length before, length after)
WIDER = {
    ('users', 'email', False): (254, 512),
    ('users', 'display_name', False): (200, 512),
    ('records', 'email', True): (254, 512),
    ('records', 'phone', True): (40, 255),
}


def _resize(changes) -> None:
    for (table, column, nullable), (old, new) in changes.items():
        op.alter_column(table, column, existing_type=sa.String(length=old),
                        type_=sa.String(length=new), existing_nullable=nullable)
