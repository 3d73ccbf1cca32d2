"""Required actions confine a session until a plugin clears them (the public API of
``praxcloud.plugin``: add, clear, the routes reachable meanwhile, the API's 403)."""

import pytest

from praxcloud.core.security import tenant_sessions
from praxcloud.plugin import (
    RequiredAction,
    add_required_action,
    clear_required_action,
    hookimpl,
    pending_required_actions,
    required_action_routes,
    tenant_request,
)
from praxcloud.testing import PASSWORD, bearer
from tests.console.admin_support import console_login

TERMS: RequiredAction = {"name": "terms.accept", "route": "console.account",
                         "routes": ["api.me"], "message": "Accept the new terms of use first."}


class EnrolFirst:
    """A stand-in for an MFA plugin that insists on enrolment after login."""

    @hookimpl
    def praxcloud_authenticated(self, request, user):
        return [{"name": "enrol", "route": "api.me"}, {"name": "read-terms", "route": "api.me"}]


def _login(testapp) -> str:
    return testapp.post_json("/api/v1/acme/auth/login",
                             {"email": "staff@acme.test", "password": PASSWORD}).json["token"]


def _on_session(registry, token, kind, change):
    """Run ``change(session)`` on the open session of ``token``, committed; return its answer."""
    with tenant_request(registry, "acme") as request:
        session = tenant_sessions(request).find_live(token, kind, lambda s: s.user)
        return change(session), pending_required_actions(session)


def test_clearing_required_actions_frees_the_session(registry, testapp, tenant):
    registry.plugin_host.register_builtin(EnrolFirst(), "test.enrol_first")
    token = _login(testapp)
    # Only the actions' own routes are reachable.
    testapp.get("/api/v1/acme/me", headers=bearer(token), status=200)
    refused = testapp.get("/api/v1/acme/records", headers=bearer(token), status=403).json
    # Without a message of the plugin's, the core's names every pending action.
    assert refused == {"error": {
        "code": "required_action", "action": "enrol", "fields": {},
        "message": "finish what your institution requires first: enrol, read-terms"}}

    def clear(name):
        return lambda session: clear_required_action(session, name)

    cleared, pending = _on_session(registry, token, "api", clear("enrol"))
    assert cleared and [a["name"] for a in pending] == ["read-terms"]
    assert _on_session(registry, token, "api", clear("enrol"))[0] is False
    assert testapp.get("/api/v1/acme/records", headers=bearer(token),
                       status=403).json["error"]["action"] == "read-terms"

    cleared, pending = _on_session(registry, token, "api", clear("read-terms"))
    assert cleared and pending == []
    testapp.get("/api/v1/acme/records", headers=bearer(token), status=200)


def test_an_action_with_a_code_of_its_own_answers_with_it(registry, testapp, tenant):
    expired: RequiredAction = {"name": "password_policy.expired", "route": "console.account",
                               "routes": ["api.me", "api.me.password"],
                               "message": "your password has expired: choose a new one",
                               "code": "password_expired"}
    token = _login(testapp)
    _on_session(registry, token, "api", lambda session: add_required_action(session, expired))
    refused = testapp.get("/api/v1/acme/records", headers=bearer(token), status=403).json
    assert refused == {"error": {"code": "password_expired", "action": "password_policy.expired",
                                 "message": "your password has expired: choose a new one",
                                 "fields": {}}}
    testapp.get("/api/v1/acme/me", headers=bearer(token), status=200)


@pytest.mark.parametrize("code", ["", "Password-Expired", 7, "x" * 64])
def test_a_code_that_is_no_error_code_is_refused(registry, testapp, tenant, code):
    token = _login(testapp)
    with pytest.raises(ValueError, match="'code' of a required action"):
        _on_session(registry, token, "api", lambda session: add_required_action(
            session, {"name": "x.y", "route": "api.me", "code": code}))


def test_an_action_added_to_an_open_api_session(registry, testapp, tenant):
    token = _login(testapp)
    testapp.get("/api/v1/acme/records", headers=bearer(token), status=200)

    added, pending = _on_session(registry, token, "api",
                                 lambda session: add_required_action(session, TERMS))
    assert added and pending == [TERMS]
    # Added once only.
    assert _on_session(registry, token, "api",
                       lambda session: add_required_action(session, TERMS))[0] is False

    refused = testapp.get("/api/v1/acme/records", headers=bearer(token), status=403).json
    assert refused == {"error": {"code": "required_action", "action": "terms.accept",
                                 "message": "Accept the new terms of use first.", "fields": {}}}
    # The action's routes stay open, and so does logging out.
    testapp.get("/api/v1/acme/me", headers=bearer(token), status=200)

    _on_session(registry, token, "api",
                lambda session: clear_required_action(session, "terms.accept"))
    testapp.get("/api/v1/acme/records", headers=bearer(token), status=200)


def test_the_console_sends_a_confined_user_to_the_action(registry, testapp, tenant):
    token = console_login(testapp, registry, "staff@acme.test")
    testapp.get("/acme/records", status=200)
    _on_session(registry, token, "console", lambda session: add_required_action(session, TERMS))

    sent = testapp.get("/acme/records", status=303)
    assert sent.location.endswith("/acme/account")
    page = sent.follow()
    assert "Accept the new terms of use first." in page.text

    _on_session(registry, token, "console",
                lambda session: clear_required_action(session, "terms.accept"))
    testapp.get("/acme/records", status=200)


def test_the_routes_reachable_meanwhile():
    assert required_action_routes([TERMS, {"name": "b", "route": "b.page"}]) == {
        "console.account", "api.me", "b.page",
        "console.logout", "api.auth.logout", "console.static"}


@pytest.mark.parametrize("action", [
    {"route": "console.account"},
    {"name": "x", "route": ""},
    {"name": "x", "route": "console.account", "routes": "api.me"},
    {"name": "x", "route": "console.account", "message": 3},
    ["x"],
])
def test_a_malformed_action_is_refused(action):
    class Session:
        data = None

    with pytest.raises(ValueError):
        add_required_action(Session(), action)
