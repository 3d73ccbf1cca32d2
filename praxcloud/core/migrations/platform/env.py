"""Alembic environment for the platform database; the caller hands over a connection."""

from alembic import context

from praxcloud.core.models import PlatformBase

target_metadata = PlatformBase.metadata
connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run platform migrations through praxcloud.core.migrations, not bare alembic"
    )

context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
