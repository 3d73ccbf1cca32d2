"""tenant_data_keys: versioned data keys per tenant and purpose, wrapped by the master key

Field encryption (and whatever else needs a tenant's random key that can be
rotated) keeps its keys here, in the platform database, never in the
tenant's. A change of a key's state or wrapping raises the tenants counter
(cache_versions), so every process sees a rotation at its next request;
the encryption counter does not, it changes too often.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 12:10:00
"""
from alembic import op
import sqlalchemy as sa

import praxcloud.core.models.types


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

RAISE = "UPDATE cache_versions SET version = version + 1 WHERE name = 'tenants'"


def upgrade() -> None:
    op.create_table(
        'tenant_data_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=80), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('wrapped', sa.LargeBinary(), nullable=True),
        sa.Column('created_at', praxcloud.core.models.types.UTCDateTime(), nullable=False),
        sa.Column('retired_at', praxcloud.core.models.types.UTCDateTime(), nullable=True),
        sa.Column('encryptions', sa.BigInteger(), server_default='0', nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'],
                                name=op.f('fk_tenant_data_keys_tenant_id_tenants'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tenant_data_keys')),
        sa.UniqueConstraint('tenant_id', 'purpose', 'version',
                            name=op.f('uq_tenant_data_keys_tenant_id')),
    )
    op.create_index(op.f('ix_tenant_data_keys_tenant_id'), 'tenant_data_keys', ['tenant_id'])
    if op.get_bind().dialect.name == 'postgresql':
        # praxcloud_tenants_changed() exists since 0005.
        op.execute("""
            CREATE TRIGGER tenant_data_keys_changed
            AFTER INSERT OR DELETE OR UPDATE OF state, wrapped OR TRUNCATE ON tenant_data_keys
            FOR EACH STATEMENT EXECUTE FUNCTION praxcloud_tenants_changed()""")
    else:
        for action in ('INSERT', 'DELETE', 'UPDATE OF state, wrapped'):
            name = action.split()[0].lower()
            op.execute(f"""
                CREATE TRIGGER tenant_data_keys_changed_{name} AFTER {action}
                ON tenant_data_keys BEGIN {RAISE}; END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER tenant_data_keys_changed ON tenant_data_keys")
    else:
        for name in ('insert', 'delete', 'update'):
            op.execute(f"DROP TRIGGER tenant_data_keys_changed_{name}")
    op.drop_index(op.f('ix_tenant_data_keys_tenant_id'), table_name='tenant_data_keys')
    op.drop_table('tenant_data_keys')
