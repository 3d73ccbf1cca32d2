"""Every hook in hookspecs.py is implemented by a test plugin and its call arguments checked.

Modelled on datasette's tests/test_plugins.py: the ``recorder`` fixture
plugin implements every hook and records what it was called with; each
hook has a ``test_<hook name>`` here that triggers it through a real request
(or the start-up path that calls it). A new hookspec without such a test
fails :func:`test_every_hookspec_has_a_test`.
"""

from __future__ import annotations

import pytest

from praxcloud.cli.state import collect_plugin_commands
from praxcloud.core import contracts
from praxcloud.core.hookdoc import all_hooks
from praxcloud.testing import PASSWORD, api_login, bearer
from praxcloud.worker import beat_schedule
from tests.console.admin_support import console_login
from tests.plugin_host.conftest import entry_points
from tests.plugin_host.fixtures import recorder
from tests.plugin_host.fixtures.recorder import CODE, METHOD, calls

pytestmark = pytest.mark.parametrize("plugin_entry_points", [entry_points("recorder")])

STAFF = "staff@acme.test"
NEW_PASSWORD = "a completely new passphrase 2026"


def acme(path: str) -> dict:
    return {"tenant": "acme", "path": path}


@pytest.fixture(autouse=True)
def _fresh_record():
    # Autouse, so it runs before the app is built: start-up calls are recorded.
    recorder.CALLS.clear()
    recorder.ENROLLED.clear()
    yield
    recorder.CALLS.clear()
    recorder.ENROLLED.clear()


@pytest.fixture
def enabled(registry, tenant):
    """acme enables the recorder."""
    contracts.enable(registry, "acme", "recorder")
    return registry


def test_every_hookspec_has_a_test():
    missing = [hook.name for hook in all_hooks() if f"test_{hook.name}" not in globals()]
    assert missing == [], "hooks without a test_<hook> in tests/plugin_host/test_every_hook.py"


def test_the_recorder_implements_every_hook(registry):
    implemented = {name for name in vars(recorder) if name.startswith("praxcloud_")}
    assert implemented == {hook.name for hook in all_hooks()}
    assert "recorder" in registry.plugin_host.infos, registry.plugin_host.broken.get("recorder")


# Start-up -------------------------------------------------------------------------
def test_praxcloud_plugin_info(registry):
    assert calls("praxcloud_plugin_info") and set(map(len, calls("praxcloud_plugin_info"))) == {0}


def test_praxcloud_openapi(testapp):
    testapp.get("/api/v1/openapi.json", status=200)
    assert calls("praxcloud_openapi") and set(map(len, calls("praxcloud_openapi"))) == {0}


def test_praxcloud_includeme(registry):
    assert calls("praxcloud_includeme") == [{"package": "tests.plugin_host.fixtures"}]


def test_praxcloud_periodic_tasks(registry):
    beat_schedule(registry.plugin_host)
    assert calls("praxcloud_periodic_tasks") == [{}]


def test_praxcloud_cli(registry):
    collect_plugin_commands(registry.plugin_host, set())
    assert calls("praxcloud_cli") == [{"group": "praxcloud"}]


# The contract ---------------------------------------------------------------------
def test_praxcloud_tenant_enabled(enabled):
    assert calls("praxcloud_tenant_enabled") == [
        {"tenant": "acme", "settings": {"level": 1}, "tenant_db": True}]


def test_praxcloud_tenant_disabled(enabled):
    contracts.disable(enabled, "acme", "recorder")
    assert calls("praxcloud_tenant_disabled") == [{"tenant": "acme", "tenant_db": True}]


def test_praxcloud_plugin_settings_changed(enabled):
    contracts.configure(enabled, "acme", "recorder", {"level": 2})
    assert calls("praxcloud_plugin_settings_changed") == [{
        "tenant": "acme", "plugin": "recorder", "old": {"level": 1}, "new": {"level": 2},
        "tenant_db": True}]


def test_praxcloud_field_codec(enabled, testapp):
    testapp.get("/api/v1/acme/me", status=401)
    asked = {(c["tenant"], c["model"], c["field"], c["key_length"], str(c["data_keys"]))
             for c in calls("praxcloud_field_codec")}
    # No data key is made until a codec asks for the active one.
    assert asked == {("acme", model, field, 32, "{}") for model, field in [
        ("users", "email"), ("users", "display_name"), ("records", "name"), ("records", "email"),
        ("records", "phone"), ("records", "date_of_birth"), ("records", "notes"),
        ("records", "fields")]}


# Requests and logins --------------------------------------------------------------
def test_praxcloud_check_request(enabled, testapp):
    testapp.get("/api/v1/acme/me", status=401)
    assert {"request": acme("/api/v1/acme/me")} in calls("praxcloud_check_request")


def _login(testapp) -> str:
    return api_login(testapp, "acme", STAFF)


LOGIN = acme("/api/v1/acme/auth/login")


def test_praxcloud_pre_authenticate(enabled, testapp):
    _login(testapp)
    assert calls("praxcloud_pre_authenticate") == [{"request": LOGIN, "login": STAFF}]


def test_praxcloud_replaces_login_limits(enabled, testapp):
    _login(testapp)
    assert {"request": LOGIN} in calls("praxcloud_replaces_login_limits")


def test_praxcloud_authenticate(enabled, testapp):
    _login(testapp)
    assert calls("praxcloud_authenticate") == [
        {"request": LOGIN, "login": STAFF, "password": PASSWORD}]


def test_praxcloud_authentication_failed(enabled, testapp):
    testapp.post_json("/api/v1/acme/auth/login", {"email": STAFF, "password": "wrong"},
                      status=401)
    assert calls("praxcloud_authentication_failed") == [
        {"request": LOGIN, "login": STAFF, "reason": "invalid_credentials"}]


def test_praxcloud_authentication_succeeded(enabled, testapp):
    testapp.post_json("/api/v1/acme/auth/login", {"email": STAFF, "password": "wrong"},
                      status=401)
    assert calls("praxcloud_authentication_succeeded") == []
    _login(testapp)
    assert calls("praxcloud_authentication_succeeded") == [
        {"request": LOGIN, "login": STAFF, "user": STAFF}]


def test_praxcloud_authentication_succeeded_once_when_a_second_factor_follows(enabled, testapp):
    recorder.ENROLLED.add(STAFF)
    first = testapp.post_json("/api/v1/acme/auth/login", {"email": STAFF, "password": PASSWORD})
    testapp.post_json("/api/v1/acme/auth/mfa", {"mfa_token": first.json["mfa_token"],
                                                "method": METHOD, "code": CODE}, status=200)
    # The password proved the attempt; the second factor's request made none of its own.
    assert calls("praxcloud_authentication_succeeded") == [
        {"request": LOGIN, "login": STAFF, "user": STAFF}]


def test_praxcloud_second_factors(enabled, testapp):
    _login(testapp)
    assert calls("praxcloud_second_factors") == [{"request": LOGIN, "user": STAFF}]


def test_praxcloud_authenticated(enabled, testapp):
    _login(testapp)
    assert calls("praxcloud_authenticated") == [{"request": LOGIN, "user": STAFF}]


def test_praxcloud_audit_event(enabled, testapp):
    _login(testapp)
    assert {"request": LOGIN, "event": "login", "target": STAFF} in calls("praxcloud_audit_event")


def test_praxcloud_verify_second_factor(enabled, testapp):
    recorder.ENROLLED.add(STAFF)
    first = testapp.post_json("/api/v1/acme/auth/login", {"email": STAFF, "password": PASSWORD})
    assert first.json["mfa_required"] == [METHOD]
    answer = {"mfa_token": first.json["mfa_token"], "method": METHOD}
    testapp.post_json("/api/v1/acme/auth/mfa", {**answer, "code": "000000"}, status=401)
    testapp.post_json("/api/v1/acme/auth/mfa", {**answer, "code": CODE}, status=200)
    mfa = acme("/api/v1/acme/auth/mfa")
    assert calls("praxcloud_verify_second_factor") == [
        {"request": mfa, "user": STAFF, "method": METHOD, "payload": {"code": code},
         "challenge": [METHOD]} for code in ("000000", CODE)]
    # The wrong answer was reported as a failed login too.
    assert calls("praxcloud_authentication_failed") == [
        {"request": mfa, "login": STAFF, "reason": "mfa"}]


def test_praxcloud_validate_password(enabled, testapp):
    token = _login(testapp)
    testapp.post_json("/api/v1/acme/me/password", {"current_password": PASSWORD,
                                                   "new_password": NEW_PASSWORD},
                      headers=bearer(token))
    assert calls("praxcloud_validate_password") == [
        {"request": acme("/api/v1/acme/me/password"), "user": STAFF, "password": NEW_PASSWORD}]


def test_praxcloud_password_rules(enabled, testapp):
    token = _login(testapp)
    testapp.post_json("/api/v1/acme/me/password", {"current_password": PASSWORD,
                                                   "new_password": NEW_PASSWORD},
                      headers=bearer(token))
    assert calls("praxcloud_password_rules") == [
        {"request": acme("/api/v1/acme/me/password"), "user": STAFF}]


def test_praxcloud_password_changed(enabled, testapp):
    token = _login(testapp)
    testapp.post_json("/api/v1/acme/me/password", {"current_password": PASSWORD,
                                                   "new_password": NEW_PASSWORD},
                      headers=bearer(token))
    assert calls("praxcloud_password_changed") == [
        {"request": acme("/api/v1/acme/me/password"), "user": STAFF}]


def test_praxcloud_password_changed_fires_for_a_new_users_first_password(enabled, testapp):
    token = api_login(testapp, "acme", "admin@acme.test")
    recorder.CALLS.clear()
    testapp.post_json("/api/v1/acme/users", {"email": "new@acme.test", "password": NEW_PASSWORD,
                                             "groups": ["staff"]},
                      headers=bearer(token), status=201)
    assert calls("praxcloud_password_changed") == [
        {"request": acme("/api/v1/acme/users"), "user": "new@acme.test"}]
    # Invited without a password: nothing was set.
    recorder.CALLS.clear()
    testapp.post_json("/api/v1/acme/users", {"email": "later@acme.test", "groups": ["staff"]},
                      headers=bearer(token), status=201)
    assert calls("praxcloud_password_changed") == []


def test_praxcloud_permission_denied(enabled, testapp):
    token = _login(testapp)
    testapp.get("/api/v1/acme/users", headers=bearer(token), status=403)
    assert calls("praxcloud_permission_denied") == [
        {"request": acme("/api/v1/acme/users"), "user": STAFF, "permission": "users.manage",
         "context": None}]


def test_praxcloud_escalation_attempt(enabled, testapp, make_tenant):
    make_tenant("other", "Other Care")
    token = _login(testapp)
    testapp.get("/api/v1/other/records", headers=bearer(token), status=401)
    # Heard in the user's own tenant, in a request of its own.
    assert calls("praxcloud_escalation_attempt") == [
        {"request": acme("/api/v1/acme/"), "user": STAFF, "kind": "foreign_tenant",
         "details": {"method": "GET", "path": "/api/v1/other/records", "tenant": "other"}}]


def test_praxcloud_reset_second_factors(enabled, testapp):
    recorder.ENROLLED.add(STAFF)
    me = testapp.post_json("/api/v1/acme/auth/login", {"email": "admin@acme.test",
                                                       "password": PASSWORD}).json["token"]
    users = testapp.get("/api/v1/acme/users", headers=bearer(me)).json
    rows = users["items"] if isinstance(users, dict) else users
    staff_id = next(u["id"] for u in rows if u["email"] == STAFF)
    path = f"/api/v1/acme/users/{staff_id}/second-factors"
    removed = testapp.delete(path, headers=bearer(me)).json
    assert removed == {"removed": [METHOD]}
    assert calls("praxcloud_reset_second_factors") == [{"request": acme(path), "user": STAFF}]


# The console ----------------------------------------------------------------------
def test_praxcloud_login_methods(enabled, testapp):
    testapp.get("/acme/login", status=200)
    assert calls("praxcloud_login_methods") == [{"request": acme("/acme/login")}]


def test_praxcloud_second_factor_prompt(enabled, testapp):
    recorder.ENROLLED.add(STAFF)
    form = testapp.get("/acme/login").forms["login-form"]
    form["email"], form["password"] = STAFF, PASSWORD
    form.submit(status=303).follow(status=200)
    assert calls("praxcloud_second_factor_prompt") == [
        {"request": acme("/acme/login/mfa"), "user": STAFF, "method": METHOD,
         "challenge": [METHOD]}]


def test_praxcloud_second_factor_options(enabled, testapp):
    console_login(testapp, enabled, STAFF)
    testapp.get("/acme/account/mfa", status=200)
    assert {"request": acme("/acme/account/mfa"), "user": STAFF} in calls(
        "praxcloud_second_factor_options")


def test_praxcloud_console_panels(enabled, testapp):
    console_login(testapp, enabled, STAFF)
    testapp.get("/acme/", status=200)
    assert calls("praxcloud_console_panels") == [{"request": acme("/acme/")}]


def test_praxcloud_menu_links(enabled, testapp):
    console_login(testapp, enabled, STAFF)
    testapp.get("/acme/", status=200)
    assert {"request": acme("/acme/")} in calls("praxcloud_menu_links")


def test_praxcloud_platform_menu_links(registry, testapp):
    # Every installed plugin is asked, on an operator's page: no tenant enables it here.
    from praxcloud.core.models import Operator
    from tests.platform_console.conftest import OPERATOR_EMAIL, OPERATOR_PASSWORD, operator_login

    with registry.tenancy.platform_session() as platform_db:
        platform_db.add(Operator(email=OPERATOR_EMAIL, password_hash=registry.password_context
                                 .hash(OPERATOR_PASSWORD)))
    operator_login(testapp)
    testapp.get("/platform/tenants", status=200)
    assert calls("praxcloud_platform_menu_links") == [
        {"request": {"tenant": None, "path": "/platform/tenants"}}]


def test_praxcloud_erase_person(tenant, rebuild_app):
    # Asked by the anonymiser's erasure: the app is built again with it installed too.
    import importlib.metadata

    from praxcloud.core.plugins import ENTRY_POINT_GROUP
    from tests.plugin_host.conftest import entry_point

    anonymiser = importlib.metadata.EntryPoint(name="anonymiser", value="plugins.anonymiser",
                                               group=ENTRY_POINT_GROUP)
    client = rebuild_app([entry_point("recorder"), anonymiser])
    registry = client.app.registry
    contracts.enable(registry, "acme", "recorder")
    contracts.enable(registry, "acme", "anonymiser")
    admin = bearer(api_login(client, "acme", "admin@acme.test"))
    made = client.post_json("/api/v1/acme/records", {"name": "Ann Example",
                                                     "email": STAFF}, headers=admin).json
    erased = client.post(f"/api/v1/acme/records/{made['id']}/erase", headers=admin).json
    user_id = erased["counts"]["users"] and calls("praxcloud_erase_person")[0]["user_id"]
    assert calls("praxcloud_erase_person") == [
        {"request": acme(f"/api/v1/acme/records/{made['id']}/erase"), "email": STAFF,
         "user_id": user_id, "record_ids": [made["id"]]}]
    assert isinstance(user_id, int) and erased["counts"]["plugin_rows"] == {"recorder_rows": 0}
