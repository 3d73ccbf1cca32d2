"""What a request carries: the platform session, its tenant, the tenant's database and hooks.

Each is a reified request property, so nothing is opened that a request
does not use. Both database sessions join the request's transaction
(pyramid_tm + zope.sqlalchemy, through :mod:`.request_sessions`): one commit
or one rollback for the request. The tenant comes from the process's tenant
cache (:mod:`.tenant_cache`), so a request that needs no platform data opens
no platform session at all.
"""

from __future__ import annotations

import logging

from pyramid.httpexceptions import HTTPNotFound
from sqlalchemy import update

from .durable import durable_write
from .errors import TenantUnavailable
from .request_sessions import join_request
from .tenancy import RESERVED_SLUGS

log = logging.getLogger(__name__)

# Set only by scripting.tenant_request(maintenance=True); an environ key
# without the HTTP_ prefix cannot come from a client.
MAINTENANCE_ENVIRON_KEY = "praxcloud.maintenance"


def platform_db(request):
    return join_request(request.registry.tenancy.platform_request_sessions(), request)


def tenant_slug(request) -> str | None:
    """The slug the request names: from the matched route, else from the path."""
    if request.matchdict and "tenant" in request.matchdict:
        return request.matchdict["tenant"]
    parts = request.path_info.strip("/").split("/")
    if len(parts) >= 3 and parts[0] == "api" and parts[1] == "v1":
        return parts[2]
    if parts and parts[0] and parts[0] not in ("platform", "static", "api"):
        return parts[0]
    return None


def tenant(request):
    """The tenant named in the path, or None; refuses suspended and unsafe tenants."""
    slug = tenant_slug(request)
    if slug is None:
        return None
    found = request.registry.tenancy.cached(slug)
    if found is None:
        raise HTTPNotFound()
    if request.environ.get(MAINTENANCE_ENVIRON_KEY):
        return found
    if not found.is_active:
        raise TenantUnavailable("tenant_suspended", "this institution's account is suspended", 403)
    broken = request.registry.plugin_host.broken_among(found.enabled_plugins)
    if broken:
        # Fail closed: the contract relies on a plugin that is not working.
        log.error("tenant %s refused: enabled plugins are broken: %s", slug, ", ".join(broken))
        raise TenantUnavailable(
            "plugin_unavailable", "a security feature of this institution is unavailable", 503
        )
    return found


def require_tenant(request):
    if request.tenant is None:
        raise HTTPNotFound()
    return request.tenant


def tenant_hooks(request):
    found = request.tenant
    host = request.registry.plugin_host
    return host.for_tenant(found.enabled_plugins if found is not None else frozenset())


def tenant_db(request):
    return request.registry.tenancy.tenant_session(require_tenant(request), request=request)


def durable_tenant_update(request, model, row_id, **values) -> None:
    """Write to the tenant database outside the request's transaction.

    For counters that must survive a request that fails (wrong second
    factors): the request's own transaction is rolled back on error. Now,
    or when the request's transaction has ended if it has written itself
    (:mod:`.durable`).
    """
    require_tenant(request)
    statement = update(model).where(model.id == row_id).values(**values)
    durable_write(request, lambda session: session.execute(statement))


def plugin_enabled(request, name: str) -> bool:
    return request.tenant is not None and name in request.tenant.enabled_plugins


class TenantSlugPredicate:
    """Route predicate ``tenant_slug=True``: the ``{tenant}`` segment is not a reserved word.

    Keeps ``/{tenant}/...`` console routes (core and plugins) from catching
    ``/api/...``, ``/static/...`` or ``/platform/...`` paths.
    """

    def __init__(self, value: bool, config):
        self.value = bool(value)

    def text(self) -> str:
        return f"tenant_slug = {self.value}"

    phash = text

    def __call__(self, info, request) -> bool:
        slug = info["match"].get("tenant")
        return (slug not in RESERVED_SLUGS) == self.value


def includeme(config) -> None:
    config.add_route_predicate("tenant_slug", TenantSlugPredicate)
    config.add_request_method(platform_db, "dbsession", reify=True)
    config.add_request_method(tenant, "tenant", reify=True)
    config.add_request_method(tenant_hooks, "tenant_hooks", reify=True)
    config.add_request_method(tenant_db, "tenant_db", reify=True)
    config.add_request_method(durable_tenant_update, "durable_tenant_update")
    config.add_request_method(plugin_enabled, "plugin_enabled")
