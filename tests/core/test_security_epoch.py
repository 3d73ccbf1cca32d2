"""Security changes reach sessions that are already open, at their next request.

Before this, switching on "MFA required" for a group left the sessions its
members had open with full access for their whole lifetime, and a shorter
session lifetime applied only to sessions opened after the change.
"""

from __future__ import annotations

import datetime as dt

import pytest
import webtest
from sqlalchemy import update

from praxcloud.core import contracts
from praxcloud.core.hookspecs import hookimpl
from praxcloud.core.models import AuthSession, User, utcnow
from praxcloud.core.scripting import tenant_request
from praxcloud.core.security import reevaluate_sessions
from praxcloud.core.security_epoch import reevaluate_tenant_sessions
from praxcloud.testing import PASSWORD, api_login, bearer
from tests.api.conftest import tenant_db
from tests.console.conftest import login as console_login
from tests.core.test_mfa_policy import GOOD_CODE, fake  # noqa: F401 - fake is a fixture


def admin_browser(app):
    """A second browser, for the administrator (the console cookie is per tenant)."""
    browser = webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost",
                                                  "REMOTE_ADDR": "127.0.0.1"})
    console_login(browser, "admin@acme.test")
    return browser


@pytest.fixture
def admin_app(app, tenant):
    return admin_browser(app)


def save_settings(admin_app, **fields) -> None:
    form = admin_app.get("/acme/settings").forms["settings-form"]
    for name, value in fields.items():
        if name == "mfa_required_groups":
            for box in form.fields[name]:
                box.checked = box._value in value
        else:
            form[name] = value
    form.submit(status=303)


def test_a_console_session_is_held_at_enrolment_once_mfa_is_required(testapp, admin_app, tenant):
    console_login(testapp, "staff@acme.test")
    testapp.get("/acme/records", status=200)
    save_settings(admin_app, mfa_required_groups=["staff"])

    held = testapp.get("/acme/records", status=303)
    assert held.location.endswith("/acme/account/mfa")
    testapp.get("/acme/account/mfa", status=200)
    # The administrator is not in a group that requires a factor: not held.
    admin_app.get("/acme/records", status=200)


def test_an_api_session_is_held_at_enrolment_once_mfa_is_required(testapp, admin_app, tenant):
    token = bearer(api_login(testapp, "acme", "staff@acme.test"))
    testapp.get("/api/v1/acme/records", headers=token, status=200)
    save_settings(admin_app, mfa_required_groups=["staff"])

    held = testapp.get("/api/v1/acme/records", headers=token, status=403)
    assert held.json["error"]["code"] == "required_action"
    testapp.get("/api/v1/acme/me", headers=token, status=200)


def test_joining_a_group_that_requires_mfa_holds_open_sessions(testapp, admin_app, tenant):
    save_settings(admin_app, mfa_required_groups=["read-only"])
    token = bearer(api_login(testapp, "acme", "staff@acme.test"))
    testapp.get("/api/v1/acme/records", headers=token, status=200)
    admin_token = bearer(api_login(testapp, "acme", "admin@acme.test"))
    testapp.patch_json("/api/v1/acme/users/2", {"groups": ["staff", "read-only"]},
                       headers=admin_token, status=200)
    held = testapp.get("/api/v1/acme/records", headers=token, status=403)
    assert held.json["error"]["code"] == "required_action"


def age_sessions(registry, hours: float) -> None:
    then = utcnow() - dt.timedelta(hours=hours)
    with tenant_db(registry, "acme") as db:
        db.execute(update(User).values(password_changed_at=then - dt.timedelta(seconds=1)))
        db.execute(update(AuthSession).values(created_at=then))


def test_a_shorter_lifetime_ends_older_sessions(testapp, app, registry, tenant):
    token = bearer(api_login(testapp, "acme", "staff@acme.test"))
    browser = webtest.TestApp(testapp.app, extra_environ=testapp.extra_environ)
    console_login(browser, "reader@acme.test")
    age_sessions(registry, hours=3)
    testapp.get("/api/v1/acme/records", headers=token, status=200)
    browser.get("/acme/records", status=200)

    # Shortened by an administrator who has just logged in (so needs no step-up).
    save_settings(admin_browser(app), session_lifetime_hours="2")
    testapp.get("/api/v1/acme/records", headers=token, status=401)
    assert "/acme/login" in browser.get("/acme/records", status=303).location
    # A session younger than the new lifetime lives on.
    fresh = bearer(api_login(testapp, "acme", "staff@acme.test"))
    testapp.get("/api/v1/acme/records", headers=fresh, status=200)


class TermsPlugin:
    """A plugin that starts asking users to accept new terms, and says so to open sessions."""

    def __init__(self):
        self.required = False
        self.calls = 0

    @hookimpl
    def praxcloud_authenticated(self, request, user):
        self.calls += 1
        return [{"name": "accept-terms", "route": "api.me"}] if self.required else []


def test_a_plugin_adds_a_required_action_to_open_sessions(testapp, registry, tenant):
    plugin = TermsPlugin()
    registry.plugin_host.register_builtin(plugin, "test.terms")
    token = bearer(api_login(testapp, "acme", "staff@acme.test"))
    for _ in range(3):
        testapp.get("/api/v1/acme/records", headers=token, status=200)
    # Asked at login only: an up-to-date session costs nothing more.
    assert plugin.calls == 1

    plugin.required = True
    with tenant_request(registry, "acme") as request:
        reevaluate_sessions(request)
    refused = testapp.get("/api/v1/acme/records", headers=token, status=403)
    assert "accept-terms" in refused.json["error"]["message"]
    testapp.get("/api/v1/acme/me", headers=token, status=200)
    assert plugin.calls == 2  # once more, for the one re-evaluation


def test_outside_a_request_a_task_can_reevaluate_open_sessions(testapp, registry, tenant):
    plugin = TermsPlugin()
    registry.plugin_host.register_builtin(plugin, "test.terms")
    token = bearer(api_login(testapp, "acme", "staff@acme.test"))
    plugin.required = True
    testapp.get("/api/v1/acme/records", headers=token, status=200)
    reevaluate_tenant_sessions(registry, "acme")
    testapp.get("/api/v1/acme/records", headers=token, status=403)
    with pytest.raises(LookupError):
        reevaluate_tenant_sessions(registry, "nosuch")


def test_a_contract_change_reevaluates_open_sessions(testapp, registry, tenant):
    plugin = TermsPlugin()
    registry.plugin_host.register_builtin(plugin, "test.terms")
    token = bearer(api_login(testapp, "acme", "staff@acme.test"))
    plugin.required = True
    contracts.enable(registry, "acme", "mfa_totp", {}, actor="test")
    testapp.get("/api/v1/acme/records", headers=token, status=403)


def test_a_session_opened_after_a_change_is_not_evaluated_twice(testapp, admin_app, tenant,
                                                               registry):
    save_settings(admin_app, mfa_required_groups=["read-only"])
    plugin = TermsPlugin()
    registry.plugin_host.register_builtin(plugin, "test.terms")
    token = bearer(api_login(testapp, "acme", "staff@acme.test", PASSWORD))
    testapp.get("/api/v1/acme/records", headers=token, status=200)
    assert plugin.calls == 1


def test_a_reset_of_second_factors_holds_the_users_open_sessions(testapp, admin_app,
                                                                 fake):  # noqa: F811
    fake.enrolled.add(2)  # staff@acme.test
    save_settings(admin_app, mfa_required_groups=["staff"])
    first = testapp.post_json("/api/v1/acme/auth/login",
                              {"email": "staff@acme.test", "password": PASSWORD}).json
    staff = bearer(testapp.post_json("/api/v1/acme/auth/mfa", {
        "mfa_token": first["mfa_token"], "method": "fake", "code": GOOD_CODE}).json["token"])
    testapp.get("/api/v1/acme/records", headers=staff, status=200)

    admin = bearer(api_login(testapp, "acme", "admin@acme.test"))
    testapp.delete("/api/v1/acme/users/2/second-factors", headers=admin, status=200)
    held = testapp.get("/api/v1/acme/records", headers=staff, status=403)
    assert held.json["error"]["code"] == "required_action"
