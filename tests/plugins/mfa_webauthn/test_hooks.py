"""The plugin's hooks as the core uses them: methods, options for the MFA page, admin reset."""

from __future__ import annotations

from pyramid.interfaces import IRoutesMapper

from praxcloud.core.mfa import options
from praxcloud.core.models import User
from praxcloud.core.scripting import tenant_request
from praxcloud.testing import PASSWORD
from tests.api.conftest import audit_events, set_tenant_settings

from .conftest import api_headers, register_key, user_id


def test_options_name_every_enrolment_route_console_and_api(webauthn, testapp):
    register_key(testapp, api_headers(testapp))
    routes = {route.name for route in webauthn.getUtility(IRoutesMapper).get_routes()}
    with tenant_request(webauthn, "acme") as request:
        staff = request.tenant_db.get(User, user_id(webauthn, "staff@acme.test"))
        admin = request.tenant_db.get(User, user_id(webauthn, "admin@acme.test"))
        (mine,) = [o for o in options(request, staff) if o["method"] == "webauthn"]
        (theirs,) = [o for o in options(request, admin) if o["method"] == "webauthn"]
    assert mine["enrolled"] is True and mine["summary"] == "1 security key"
    assert theirs["enrolled"] is False
    assert mine["url"].endswith("/acme/account/mfa/webauthn")
    assert set(mine["routes"]) <= routes
    assert {"mfa_webauthn.new", "mfa_webauthn.api.register_options",
            "mfa_webauthn.api.register"} <= set(mine["routes"])


def test_an_administrator_reset_removes_the_keys(webauthn, testapp):
    headers = api_headers(testapp)
    register_key(testapp, headers)
    register_key(testapp, headers, name="Spare key")
    admin = api_headers(testapp, "admin@acme.test")
    staff_id = user_id(webauthn, "staff@acme.test")
    answer = testapp.delete(f"/api/v1/acme/users/{staff_id}/second-factors", headers=admin)
    assert answer.json == {"removed": ["webauthn"]}
    again = testapp.delete(f"/api/v1/acme/users/{staff_id}/second-factors", headers=admin)
    assert again.json == {"removed": []}
    # With no key left the password is enough again.
    login = testapp.post_json("/api/v1/acme/auth/login",
                              {"email": "staff@acme.test", "password": PASSWORD}).json
    assert "token" in login
    assert audit_events(webauthn, "acme", "mfa.reset")[0].details == {"methods": ["webauthn"]}


def test_the_only_key_of_a_user_who_must_have_one_stays(webauthn, testapp):
    headers = api_headers(testapp)
    _, first = register_key(testapp, headers)
    set_tenant_settings(webauthn, "acme", mfa_required_groups=["staff"])
    url = "/api/v1/acme/mfa/webauthn/credentials/{}"
    refused = testapp.delete(url.format(first["id"]), headers=headers, status=409).json
    assert refused["error"]["code"] == "last_second_factor"
    _, second = register_key(testapp, headers, name="Spare key")
    testapp.delete(url.format(first["id"]), headers=headers, status=204)
    testapp.delete(url.format(second["id"]), headers=headers, status=409)
