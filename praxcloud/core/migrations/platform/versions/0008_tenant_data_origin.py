"""tenants.data_origin_id and tenants.sealed_codec_keys: a tenant restored from another's backup

``praxcloud backup restore --tenant T --into NEW`` fills a new tenant's
database with T's rows, whose encoded fields are bound to T's platform id
and opened with T's keys. The copy records T's id as the origin of its data
(codecs bind associated data to it) and keeps, sealed under its own tenant
key, the keys T's codecs derived from T's tenant key (blind indexes):
deleting the copy shreds them with its key; deleting T leaves the copy
readable and T's own backups unreadable (T's tenant key itself is never
copied). No foreign key: the origin may be deleted, its id stays a label.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 15:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('tenants', sa.Column('data_origin_id', sa.Integer(), nullable=True))
    op.add_column('tenants', sa.Column('sealed_codec_keys', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tenants') as batch:
        batch.drop_column('sealed_codec_keys')
        batch.drop_column('data_origin_id')
