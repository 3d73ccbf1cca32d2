"""Running core services outside a web request (CLI commands, Celery tasks, tests).

:func:`tenant_request` gives a request bound to one tenant, inside one
transaction that commits when the block ends without error, so scripts use
exactly the services the views use (accounts, audit, hooks).
"""

from __future__ import annotations

from contextlib import contextmanager

from pyramid.request import Request
from pyramid.scripting import prepare


@contextmanager
def tenant_request(registry, slug: str, base_url: str | None = None):
    url = base_url or registry.settings.get("praxcloud.base_url", "http://localhost:6543")
    request = Request.blank(f"/api/v1/{slug}/", base_url=url)
    request.remote_addr = None
    env = prepare(request=request, registry=registry)
    try:
        with request.tm:
            request.require_tenant = request.tenant
            yield request
    finally:
        env["closer"]()


@contextmanager
def platform_request(registry, base_url: str | None = None):
    url = base_url or registry.settings.get("praxcloud.base_url", "http://localhost:6543")
    request = Request.blank("/platform/", base_url=url)
    env = prepare(request=request, registry=registry)
    try:
        with request.tm:
            yield request
    finally:
        env["closer"]()
