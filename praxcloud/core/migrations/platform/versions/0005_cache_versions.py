"""cache_versions: a counter raised by triggers whenever tenants or tenant_plugins change

Processes keep tenants and their contract lines in memory
(core/tenant_cache.py). Instead of reloading each cached tenant once its
second is over, a process asks once a second whether anything changed: the
triggers raise the 'tenants' counter in the transaction that changes a row,
whoever sends it (the app, the CLI, an operator's own SQL).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 00:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

TABLES = ('tenants', 'tenant_plugins')
RAISE = "UPDATE cache_versions SET version = version + 1 WHERE name = 'tenants'"


def upgrade() -> None:
    op.create_table(
        'cache_versions',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_cache_versions')),
    )
    op.execute("INSERT INTO cache_versions (name, version) VALUES ('tenants', 0)")
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"""
            CREATE FUNCTION praxcloud_tenants_changed() RETURNS trigger
            LANGUAGE plpgsql AS $$ BEGIN {RAISE}; RETURN NULL; END $$""")
        for table in TABLES:
            op.execute(f"""
                CREATE TRIGGER {table}_changed
                AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION praxcloud_tenants_changed()""")
    else:
        for table in TABLES:
            for action in ('INSERT', 'UPDATE', 'DELETE'):
                op.execute(f"""
                    CREATE TRIGGER {table}_changed_{action.lower()} AFTER {action} ON {table}
                    BEGIN {RAISE}; END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_changed ON {table}")
        op.execute("DROP FUNCTION praxcloud_tenants_changed()")
    else:
        for table in TABLES:
            for action in ('insert', 'update', 'delete'):
                op.execute(f"DROP TRIGGER {table}_changed_{action}")
    op.drop_table('cache_versions')
