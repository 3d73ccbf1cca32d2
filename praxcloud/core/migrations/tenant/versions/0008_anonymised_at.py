"""records.anonymised_at and users.anonymised_at: when a row was anonymised (P9)

The anonymiser plugin changes every field of a row in the same transaction as
this column, and selects only rows where it is NULL: a run is idempotent and
one killed half-way leaves no half-anonymised row. The admin group gains the
new ``records.erase`` permission (right to be forgotten), as new tenants'
admin groups have it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 12:05:00
"""
import json

from alembic import op
import sqlalchemy as sa
import praxcloud.core.models.types


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

ERASE = 'records.erase'


def upgrade() -> None:
    with op.batch_alter_table('records') as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', praxcloud.core.models.types.UTCDateTime(), nullable=True))
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', praxcloud.core.models.types.UTCDateTime(), nullable=True))
    _admin_permissions(lambda permissions: sorted({*permissions, ERASE}))


def downgrade() -> None:
    _admin_permissions(lambda permissions: [p for p in permissions if p != ERASE])
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('anonymised_at')
    with op.batch_alter_table('records') as batch_op:
        batch_op.drop_column('anonymised_at')


def _admin_permissions(change) -> None:
    connection = op.get_bind()
    groups = sa.table('groups', sa.column('id', sa.Integer), sa.column('name', sa.String),
                      sa.column('permissions', sa.JSON))
    for group_id, permissions in connection.execute(
            sa.select(groups.c.id, groups.c.permissions).where(groups.c.name == 'admin')):
        if isinstance(permissions, str):
            permissions = json.loads(permissions)
        connection.execute(groups.update().where(groups.c.id == group_id)
                           .values(permissions=change(list(permissions or []))))
