"""The plugin host inside the running app: fail closed, per-tenant views and checks."""

from __future__ import annotations

import pytest
from pyramid.interfaces import IRoutesMapper

from praxcloud.core import contracts
from praxcloud.core.plugins import PluginError
from praxcloud.testing import PASSWORD, api_login, bearer
from tests.plugin_host.conftest import entry_point, entry_points

UNAVAILABLE = "plugin_unavailable"


def login_status(testapp, slug, email, password, status="*", **kw):
    return testapp.post_json(f"/api/v1/{slug}/auth/login",
                             {"email": email, "password": password}, status=status, **kw)


@pytest.mark.parametrize("plugin_entry_points", [entry_points("menu_x")])
def test_tenant_whose_contract_enables_a_broken_plugin_is_refused(
        registry, testapp, tenant, beta, rebuild_app):
    contracts.enable(registry, "acme", "menu_x", {"api_key": "k" * 12})
    token = api_login(testapp, "acme", "staff@acme.test")
    # Restart after an upgrade broke the plugin: it now fails at import.
    after = rebuild_app([entry_point("menu_x", "raises_at_import")])
    assert "menu_x" in after.app.registry.plugin_host.broken
    for response in (
        after.get("/api/v1/acme/me", headers=bearer(token), status=503),
        login_status(after, "acme", "staff@acme.test", PASSWORD, status=503),
    ):
        assert response.json["error"]["code"] == UNAVAILABLE
    assert "unavailable" in after.get("/acme/login", status=503).text
    # The other tenant runs on.
    beta_token = api_login(after, "beta", "staff@beta.test")
    assert after.get("/api/v1/beta/me", headers=bearer(beta_token)).json["email"] == (
        "staff@beta.test")


@pytest.mark.parametrize("plugin_entry_points", [entry_points("menu_x", "menu_y")])
@pytest.mark.parametrize("how", ["setting", "environment"])
def test_disabled_plugin_is_not_loaded_and_its_tenants_are_refused(
        registry, testapp, tenant, beta, rebuild_app, monkeypatch, how):
    contracts.enable(registry, "acme", "menu_x", {})
    flaky = entry_point("menu_x", "raises_at_import")
    if how == "setting":
        after = rebuild_app([flaky, entry_point("menu_y")],
                            **{"praxcloud.disabled_plugins": "menu_x"})
    else:
        monkeypatch.setenv("PRAXCLOUD_DISABLED_PLUGINS", "menu_x")
        after = rebuild_app([flaky, entry_point("menu_y")])
    host = after.app.registry.plugin_host
    # Never imported: the module that would raise is not even reported broken.
    assert host.disabled == {"menu_x"} and host.broken == {}
    answer = login_status(after, "acme", "staff@acme.test", PASSWORD, status=503)
    assert answer.json["error"]["code"] == UNAVAILABLE
    login_status(after, "beta", "staff@beta.test", PASSWORD, status=200)
    with pytest.raises(PluginError, match="disabled"):
        contracts.enable(after.app.registry, "beta", "menu_x", {})


@pytest.mark.parametrize("plugin_entry_points",
                         [entry_points("check_raises", "check_bad_answer")])
@pytest.mark.parametrize("check", ["check_raises", "check_bad_answer"])
def test_request_check_that_fails_denies_fail_closed(registry, testapp, tenant, beta, check):
    contracts.enable(registry, "acme", check, {})
    denied = login_status(testapp, "acme", "staff@acme.test", PASSWORD, status=503)
    assert denied.json["error"]["code"] == "check_failed"
    assert testapp.get("/acme/login", status=503).text == "the request could not be checked"
    login_status(testapp, "beta", "staff@beta.test", PASSWORD, status=200)


@pytest.mark.parametrize("plugin_entry_points", [entry_points("check_raises", "check_blocks")])
def test_request_check_returning_a_response_short_circuits(registry, testapp, tenant, beta):
    contracts.enable(registry, "acme", "check_blocks", {})
    blocked = login_status(testapp, "acme", "staff@acme.test", PASSWORD, status=451,
                           headers={"X-Block": "1"})
    assert blocked.json["error"]["code"] == "blocked_by_check"
    # Answered by the check: no view ran, so no login was audited.
    from sqlalchemy import func, select

    from praxcloud.core.models import AuditEvent
    from praxcloud.core.scripting import tenant_request

    with tenant_request(registry, "acme") as request:
        logins = request.tenant_db.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.event == "login"))
    assert logins == 0
    login_status(testapp, "acme", "staff@acme.test", PASSWORD, status=200)
    # A tenant without the plugin is not checked by it.
    login_status(testapp, "beta", "staff@beta.test", PASSWORD, status=200,
                 headers={"X-Block": "1"})


@pytest.mark.parametrize("plugin_entry_points", [entry_points("gated")])
def test_plugin_views_answer_404_for_tenants_without_the_plugin(registry, testapp, tenant, beta):
    contracts.enable(registry, "acme", "gated", {})
    acme = bearer(api_login(testapp, "acme", "staff@acme.test"))
    beta_token = bearer(api_login(testapp, "beta", "staff@beta.test"))
    assert testapp.get("/api/v1/acme/gated", headers=acme).json == {
        "tenant": "acme", "user": "staff@acme.test"}
    assert testapp.get("/acme/gated").text == "gated page of acme"
    missing = testapp.get("/api/v1/beta/gated", headers=beta_token, status=404)
    assert missing.json["error"]["code"] == "not_found"
    # Whoever asks: no 401 telling an anonymous caller that the view exists.
    testapp.get("/api/v1/beta/gated", status=404)
    testapp.get("/beta/gated", status=404)
    testapp.get("/api/v1/acme/gated", status=401)


@pytest.mark.parametrize("plugin_entry_points", [entry_points("includeme_raises", "gated")])
def test_plugin_whose_includeme_raises_is_broken_and_leaves_nothing_behind(
        registry, testapp, tenant):
    host = registry.plugin_host
    assert "includeme failed" in host.broken["includeme_raises"]
    assert "includeme_raises" not in host.infos
    assert host.pm.get_plugin("includeme_raises") is None
    # The route it added before failing was thrown away, not committed with the next plugin's.
    assert registry.getUtility(IRoutesMapper).get_route("half.api") is None
    testapp.get("/api/v1/acme/half", status=404)
    with pytest.raises(PluginError, match="broken"):
        contracts.enable(registry, "acme", "includeme_raises", {})
    # The other plugin's includeme ran and works.
    contracts.enable(registry, "acme", "gated", {})
    testapp.get("/api/v1/acme/gated", headers=bearer(api_login(testapp, "acme",
                                                               "staff@acme.test")))


@pytest.mark.parametrize("plugin_entry_points", [entry_points("sso_backend")])
def test_plugin_auth_backend_runs_before_local_passwords(registry, testapp, tenant, beta):
    contracts.enable(registry, "acme", "sso_backend", {})
    # The plugin's answer wins ...
    token = login_status(testapp, "acme", "staff@acme.test", "sso-shared-password").json["token"]
    assert testapp.get("/api/v1/acme/me", headers=bearer(token)).json["email"] == (
        "staff@acme.test")
    # ... and when it returns None the core's local passwords are asked.
    login_status(testapp, "acme", "staff@acme.test", PASSWORD, status=200)
    login_status(testapp, "acme", "staff@acme.test", "wrong password", status=401)
    login_status(testapp, "acme", "ghost@acme.test", "sso-shared-password", status=401)
    # Another tenant never runs the plugin.
    login_status(testapp, "beta", "staff@beta.test", "sso-shared-password", status=401)
