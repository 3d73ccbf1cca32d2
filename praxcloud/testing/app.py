"""Building an app under test, and taking it down again."""

from __future__ import annotations


def build_app(settings: dict):
    """The WSGI app ``praxcloud.main`` builds from ``settings``, its platform database migrated."""
    from praxcloud import main
    from praxcloud.core.migrations import upgrade_platform

    wsgi = main({}, **settings)
    upgrade_platform(wsgi.registry.tenancy.platform_engine, wsgi.registry.keyring)
    return wsgi


def close_app(wsgi) -> None:
    """Drop the tenants' PostgreSQL databases and roles (they outlive a test) and the engines."""
    from praxcloud.core.provisioning import all_tenants, delete_tenant

    tenancy = wsgi.registry.tenancy
    if wsgi.registry.settings.get("praxcloud.tenant_db_backend") == "postgresql":
        for tenant in all_tenants(tenancy):
            delete_tenant(tenancy, tenant.slug)
    tenancy.dispose()
