"""records.date_of_birth as ISO 8601 text, so that a field codec may store it encoded

A date column refuses the text an encrypted date is. Plain dates are kept as
``YYYY-MM-DD`` (praxcloud.core.models.types.SealableDate), which sorts and
compares as the dates do; SQLite stored them so already.

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
    with op.batch_alter_table('records') as batch_op:
        batch_op.alter_column('date_of_birth', existing_type=sa.Date(),
                              type_=sa.String(length=512), existing_nullable=True,
                              postgresql_using="to_char(date_of_birth, 'YYYY-MM-DD')")


def downgrade() -> None:
    # Only a tenant whose dates are plain can go back (field encryption disabled first).
    if op.get_bind().dialect.name == 'sqlite':
        # A SQLite date is ISO text already; the table copy would CAST it to a number.
        return
    with op.batch_alter_table('records') as batch_op:
        batch_op.alter_column('date_of_birth', existing_type=sa.String(length=512),
                              type_=sa.Date(), existing_nullable=True,
                              postgresql_using="date_of_birth::date")
