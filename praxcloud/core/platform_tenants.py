"""A plugin's operator page reading and changing what the plugin keeps in each tenant.

The platform console opens no tenant database for itself (segregation of
duties: operators never see a tenant's users or records). A plugin that
keeps its own per-tenant state (the WAF: incidents and a blacklist) may
show it to the operators on a page of its own (``praxcloud_platform_menu_links``),
opening each tenant that enables it through :func:`operator_tenant_requests`,
or one through :func:`operator_tenant_request` to change something there.

Each is a request bound to the tenant, as :func:`.scripting.tenant_request`
gives scripts, in a transaction of its own (never the operator request's):

- its identity is the operator's: ``request.audit.record(...)`` names the
  operator as the actor in the tenant's trail, and every tenant permission
  is still refused (``request.has_permission`` answers no);
- its client address is the operator's, as the trail's ``ip``;
- only active tenants whose contract enables the plugin are opened.

Read the plugin's own tables and shared state there, never the tenant's users
or records. Record the change in the platform trail too
(:func:`record_platform_event`), without personal data: the platform
database keeps none.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import transaction
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound

from .errors import TenantUnavailable
from .platform_console.support import record_event
from .scripting import client_environ, tenant_request
from .tasks import tenants_with_plugin

log = logging.getLogger(__name__)

def _operator(request):
    identity = request.praxcloud_identity
    if identity is None or not identity.is_operator:
        raise HTTPForbidden()
    return identity


@contextmanager
def _open(request, identity, slug: str, plugin: str):
    with tenant_request(request.registry, slug, base_url=request.application_url,
                        transaction_manager=transaction.TransactionManager(explicit=True),
                        environ=client_environ(request)) as tenant:
        # Reified request properties, set before anything reads them.
        tenant.praxcloud_identity = identity
        tenant.client_addr = request.client_addr
        if not tenant.plugin_enabled(plugin):
            raise HTTPNotFound()
        yield tenant


@contextmanager
def operator_tenant_request(request, slug: str, plugin: str) -> Iterator[Any]:
    """``with operator_tenant_request(request, slug, "NAME") as tenant:`` one tenant, to change
    something there; committed when the block ends without error.

    ``request`` is the operator's (403 for anyone else); 404 when no active
    tenant ``slug`` enables plugin ``NAME``.
    """
    identity = _operator(request)
    if slug not in tenants_with_plugin(request.registry, plugin):
        raise HTTPNotFound()
    opened = False
    try:
        with _open(request, identity, slug, plugin) as tenant:
            opened = True
            yield tenant
    except TenantUnavailable:
        if opened:
            raise
        raise HTTPNotFound() from None


def operator_tenant_requests(request, plugin: str) -> Iterator[Any]:
    """``for tenant in operator_tenant_requests(request, "NAME"):`` each active tenant that
    enables plugin ``NAME``, by slug, one after the other.

    Each tenant's transaction ends when the loop moves on (committed) or leaves
    by an exception (rolled back). A tenant that cannot be opened now (a plugin
    of its contract is broken) is logged and left out.
    """
    identity = _operator(request)
    for slug in tenants_with_plugin(request.registry, plugin):
        opened = False
        try:
            with _open(request, identity, slug, plugin) as tenant:
                opened = True
                yield tenant
        except (HTTPNotFound, TenantUnavailable) as exc:
            if opened:
                raise
            log.warning("tenant %s left out of the operators' %s page: %s", slug, plugin,
                        getattr(exc, "code", "not found"))


def record_platform_event(request, event: str, *, tenant_slug: str | None = None,
                          outcome: str = "success", details: dict[str, Any] | None = None
                          ) -> None:
    """Write ``event`` (``"NAME.something"``) to the platform trail now, the operator as actor.

    ``details`` must hold no personal data (no addresses, names or e-mails of a
    tenant's people): the platform database keeps none; the tenant's own trail
    holds those.
    """
    _operator(request)
    record_event(request, event, tenant_slug=tenant_slug, outcome=outcome, details=details)
