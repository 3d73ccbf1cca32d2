"""Plugins' pages in the platform console: the menu's links, and the tenants they may read.

- ``praxcloud_platform_menu_links`` puts every installed plugin's links in the
  operators' menu, after the core's pages; a plugin that raises loses its links,
  not the console; tenant users see none of it.
- ``operator_tenant_requests`` opens exactly the active tenants that enable the
  plugin, each as the operator (the tenant's trail names them, tenant permissions
  stay refused), each in a transaction of its own; ``operator_tenant_request``
  opens one, 404 for any other, 403 for anyone but an operator.
- ``record_platform_event`` writes the platform trail with the operator as actor.
"""

from __future__ import annotations

import pytest
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound
from sqlalchemy import select

from praxcloud.core import contracts
from praxcloud.core.models import AuditEvent, Operator, PlatformAuditEvent
from praxcloud.core.provisioning import set_status
from praxcloud.core.scripting import platform_request, tenant_request
from praxcloud.core.security import Identity
from praxcloud.plugin import (
    OPERATOR_PERMISSION,
    SETTINGS_MANAGE,
    hookimpl,
    operator_tenant_request,
    operator_tenant_requests,
    record_platform_event,
)
from praxcloud.testing import need

from . import sample_plugin
from .conftest import OPERATOR_EMAIL

PLUGIN = sample_plugin.NAME
SETTINGS = {"api_key": "long-enough"}
OPERATOR_ADDRESS = "192.0.2.44"


class LinkingPlugin:
    @hookimpl
    def praxcloud_platform_menu_links(self, request):
        return [{"title": "Notes overview", "url": request.route_url("platform.audit") + "?x=1"}]


class FailingPlugin:
    @hookimpl
    def praxcloud_platform_menu_links(self, request):
        raise RuntimeError("menu broke")


@pytest.fixture
def linked(registry):
    host = registry.plugin_host
    host.pm.register(LinkingPlugin(), name="pxtest_linking")
    host.pm.register(FailingPlugin(), name="pxtest_failing")
    yield host
    host.pm.unregister(name="pxtest_linking")
    host.pm.unregister(name="pxtest_failing")


def nav(page) -> list[str]:
    return [a.get_text(strip=True) for a in page.html.select("header nav a")]


def test_plugin_links_join_the_operators_menu(operator, linked, caplog):
    with caplog.at_level("ERROR", logger="praxcloud.core.platform_console.menu"):
        page = operator.get("/platform/tenants")
    links = nav(page)
    assert links[:3] == ["Tenants", "Plugins", "Audit"] and links[-1] == "Security"
    assert "Notes overview" in links
    assert "plugin pxtest_failing: praxcloud_platform_menu_links failed" in caplog.text
    assert page.html.select_one("header nav a.active").get_text() == "Tenants"


def test_a_plugin_page_is_current_on_its_route(operator, registry):
    # The waf plugin links its route; its page is marked current without saying so.
    need("waf" in registry.plugin_host.infos, "the waf plugin is installed (pip install -e .)")
    page = operator.get("/platform/waf")
    assert page.html.select_one("header nav a.active").get_text() == "Blocked requests"


def test_nobody_but_an_operator_sees_the_menu(testapp, linked, tenant):
    assert nav(testapp.get("/platform/login")) == []
    testapp.get("/platform/waf", status=303)  # to the login page


@pytest.fixture
def operator_request(registry, make_operator):
    """A scripted platform request whose identity is a logged-in operator's."""
    operator_id = make_operator()
    with platform_request(registry) as request:
        request.environ["REMOTE_ADDR"] = OPERATOR_ADDRESS
        operator = request.dbsession.get(Operator, operator_id)
        request.praxcloud_identity = Identity(operator, None, "operator",
                                              frozenset({OPERATOR_PERMISSION}))
        yield request


@pytest.fixture
def three_tenants(registry, plugins, make_tenant):
    for slug in ("acme", "beta", "gamma", "zenith"):
        make_tenant(slug)
    for slug in ("acme", "gamma", "zenith"):
        contracts.enable(registry, slug, PLUGIN, SETTINGS)
    set_status(registry.tenancy, "gamma", "suspended")
    return registry


def trail(registry, slug: str, event: str) -> list[AuditEvent]:
    with tenant_request(registry, slug) as request:
        rows = list(request.tenant_db.scalars(select(AuditEvent).where(AuditEvent.event == event)))
        return [(row.actor, row.actor_id, row.ip, row.details) for row in rows]


def test_each_enabling_active_tenant_is_opened_as_the_operator(three_tenants,
                                                               operator_request):
    registry = three_tenants
    seen = []
    for tenant in operator_tenant_requests(operator_request, PLUGIN):
        seen.append(tenant.tenant.slug)
        assert tenant.praxcloud_identity.is_operator
        assert not tenant.has_permission(SETTINGS_MANAGE)
        tenant.audit.record("pxtest.looked", details={"n": len(seen)})
    assert seen == ["acme", "zenith"]  # beta does not enable it, gamma is suspended
    assert trail(registry, "acme", "pxtest.looked") == [
        (OPERATOR_EMAIL, None, OPERATOR_ADDRESS, {"n": 1})]
    assert trail(registry, "zenith", "pxtest.looked") == [
        (OPERATOR_EMAIL, None, OPERATOR_ADDRESS, {"n": 2})]


def test_a_loop_left_by_an_exception_rolls_back_that_tenant(three_tenants, operator_request):
    with pytest.raises(RuntimeError):
        for tenant in operator_tenant_requests(operator_request, PLUGIN):
            tenant.audit.record("pxtest.half")
            raise RuntimeError("stop")
    assert trail(three_tenants, "acme", "pxtest.half") == []


def test_one_tenant_is_opened_and_committed(three_tenants, operator_request):
    with operator_tenant_request(operator_request, "zenith", PLUGIN) as tenant:
        assert tenant.tenant.slug == "zenith"
        tenant.audit.record("pxtest.changed")
    assert [row[0] for row in trail(three_tenants, "zenith", "pxtest.changed")] == [
        OPERATOR_EMAIL]
    for slug in ("beta", "gamma", "nowhere"):
        with pytest.raises(HTTPNotFound):
            with operator_tenant_request(operator_request, slug, PLUGIN):
                pass


def test_only_an_operator_opens_tenants(three_tenants, registry):
    with platform_request(registry) as request:
        with pytest.raises(HTTPForbidden):
            next(iter(operator_tenant_requests(request, PLUGIN)))
        with pytest.raises(HTTPForbidden):
            with operator_tenant_request(request, "acme", PLUGIN):
                pass
        with pytest.raises(HTTPForbidden):
            record_platform_event(request, "pxtest.changed")


def test_platform_events_name_the_operator(registry, operator_request):
    record_platform_event(operator_request, "pxtest.changed", tenant_slug="acme",
                          details={"hours": 2})
    with registry.tenancy.platform_session() as platform_db:
        row = platform_db.scalars(select(PlatformAuditEvent).where(
            PlatformAuditEvent.event == "pxtest.changed")).one()
        assert (row.actor, row.tenant_slug, row.ip, row.details) == (
            OPERATOR_EMAIL, "acme", OPERATOR_ADDRESS, {"hours": 2})


def test_the_guard_refuses_tenant_users(testapp, tenant, registry):
    # A tenant user's console cookie is scoped to their tenant: /platform/ sees no one.
    from tests.console.admin_support import console_login

    console_login(testapp, registry, "admin@acme.test")
    testapp.get("/platform/waf", status=303)
