"""records.name as wide as an encoded value, and records.name_tokens for searching it

A field codec may now take over the record's name. The name is searched by
word, so an encoded name keeps a token index beside it: the codec's
truncated blind index of each normalised word, space-separated, matched
with LIKE '% token %' (see praxcloud.core.fields). NULL while the name is plain.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 12:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('records') as batch_op:
        batch_op.alter_column('name', existing_type=sa.String(length=200),
                              type_=sa.String(length=512), existing_nullable=False)
        batch_op.add_column(sa.Column('name_tokens', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('records') as batch_op:
        batch_op.drop_column('name_tokens')
        batch_op.alter_column('name', existing_type=sa.String(length=512),
                              type_=sa.String(length=200), existing_nullable=False)
