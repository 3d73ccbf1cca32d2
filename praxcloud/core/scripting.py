"""Running core services outside a web request (CLI commands, Celery tasks, tests).

:func:`tenant_request` gives a request bound to one tenant, inside one
transaction that commits when the block ends without error, so scripts use
exactly the services the views use (accounts, audit, hooks).
"""

from __future__ import annotations

from contextlib import contextmanager

from pyramid.scripting import prepare

from .request_class import request_factory
from .request_context import MAINTENANCE_ENVIRON_KEY
from .settings import settings_of

# What a request made in another tenant on a web request's behalf carries over from it:
# who the client is (client_address reads these) and what it said it was.
CLIENT_ENVIRON = ("REMOTE_ADDR", "HTTP_X_FORWARDED_FOR", "HTTP_USER_AGENT")


def client_environ(request) -> dict:
    """The entries of ``request``'s environ that say who its client is."""
    return {key: request.environ[key] for key in CLIENT_ENVIRON if key in request.environ}


@contextmanager
def tenant_request(registry, slug: str, base_url: str | None = None, transaction_manager=None,
                   maintenance: bool = False, environ: dict | None = None):
    """``transaction_manager``: run in this manager instead of the thread's default one.

    Celery tasks pass a fresh explicit manager so that a task run inline
    (eager mode, or from another transaction's after-commit hook) never
    touches a transaction already open on the same thread.

    ``maintenance``: open the tenant even when it is suspended or its
    contract names a broken plugin, for the administrative work that repairs
    exactly that (changing the contract). Web requests can never set it.

    ``environ``: WSGI environ entries carried over from a web request (its
    client address and headers), for work done in another tenant on its behalf.
    """
    url = base_url or settings_of(registry).base_url or "http://localhost:6543"
    request = request_factory(registry).blank(f"/api/v1/{slug}/", base_url=url)
    request.remote_addr = None
    request.environ.update(environ or {})
    if maintenance:
        request.environ[MAINTENANCE_ENVIRON_KEY] = True
    if transaction_manager is not None:
        # pyramid_tm's request.tm answers the manager found here.
        request.environ["tm.manager"] = transaction_manager
    env = prepare(request=request, registry=registry)
    try:
        with request.tm:
            request.require_tenant = request.tenant
            yield request
    finally:
        env["closer"]()


@contextmanager
def platform_request(registry, base_url: str | None = None):
    url = base_url or settings_of(registry).base_url or "http://localhost:6543"
    request = request_factory(registry).blank("/platform/", base_url=url)
    env = prepare(request=request, registry=registry)
    try:
        with request.tm:
            yield request
    finally:
        env["closer"]()
