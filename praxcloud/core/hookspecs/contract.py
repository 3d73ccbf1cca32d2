"""Contract hooks: a tenant enables, disables or reconfigures the plugin.

Called on the plugin whose contract line changes, never on the tenant's others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .markers import hookspec

if TYPE_CHECKING:  # only for the annotations: hookspecs import nothing else of the core
    from sqlalchemy.orm import Session

    from ..models import Tenant


@hookspec
def praxcloud_tenant_enabled(tenant: Tenant, settings: dict[str, Any], tenant_db: Session) -> None:
    """The tenant's contract now enables this plugin: provision its state.

    ``tenant_db`` is a SQLAlchemy session on the tenant's database, inside the
    transaction that enables the plugin; the plugin's migrations have already
    been applied. ``settings`` are the validated settings. A plugin with
    field codecs needs not rewrite the stored values here: the core moves
    them in batches after this hook (see ``praxcloud_field_codec``).
    """


@hookspec
def praxcloud_tenant_disabled(tenant: Tenant, tenant_db: Session) -> None:
    """The tenant's contract no longer enables this plugin: tear down what must go.

    For a plugin with field codecs, called once the core has moved every
    stored value back to plain, just before its contract line goes.
    """


@hookspec
def praxcloud_plugin_settings_changed(
    tenant: Tenant, plugin: str, old: dict[str, Any], new: dict[str, Any], tenant_db: Session
) -> None:
    """A tenant's settings of this plugin change from ``old`` to ``new``: adapt the tenant's data.

    Called on plugin ``plugin`` only (never on the tenant's other plugins:
    settings may hold secrets), whichever way the settings change:
    ``praxcloud plugins configure``, the platform console, the tenant
    administrators' *Plugins* page. Not called when the plugin is enabled
    (``praxcloud_tenant_enabled`` receives the first settings). ``old`` and
    ``new`` are whole settings, validated, defaults filled in; ``tenant``
    already holds ``new``.

    ``tenant_db`` is a SQLAlchemy session on the tenant's database that
    reads through the field codecs of the old settings and writes through
    those of the new (so ``rewrite_all(tenant_db, User)`` moves every row
    from the one to the other: a field taken off a codec's list is stored
    plain again, one added is encoded); it commits just before the new
    settings are stored, so what the plugin writes is kept only with the
    change. Raise to refuse the change
    (fail closed): nothing is stored and the caller sees "plugin NAME
    refused the new settings: <your message>" (keep secrets out of it).
    """
