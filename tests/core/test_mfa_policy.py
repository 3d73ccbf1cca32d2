"""The core's second-factor policy, seen through a stand-in MFA plugin.

The real methods (TOTP, WebAuthn) are plugins with tests of their own; here
a small fake method shows what the core does with any of them: the console's
second step, the tenant's "MFA required for these groups", the account's
overview, an administrator's reset, and links on the login page.
"""

from __future__ import annotations

import pytest

from praxcloud.core.auth import SecondFactorFailed
from praxcloud.core.hookspecs import hookimpl
from praxcloud.core.mfa import ENROL_ACTION, enrolment_done
from praxcloud.core.models import KIND_API
from praxcloud.core.scripting import tenant_request
from praxcloud.core.security import Identity, tenant_sessions
from praxcloud.testing import api_login, bearer
from tests.api.conftest import audit_events, login, set_tenant_settings
from tests.console.conftest import login as console_login
from tests.console.conftest import mail_files

GOOD_CODE = "246810"


class FakeCodes:
    """A second factor whose right answer is always GOOD_CODE, enrolled per user id."""

    def __init__(self):
        self.enrolled: set[int] = set()

    @hookimpl
    def praxcloud_second_factors(self, request, user):
        return ["fake"] if user.id in self.enrolled else []

    @hookimpl
    def praxcloud_verify_second_factor(self, request, user, method, payload, challenge):
        if method != "fake":
            return None
        if payload.get("code") != GOOD_CODE:
            raise SecondFactorFailed("that code is not right", code="mfa_code_invalid")
        return True

    @hookimpl
    def praxcloud_second_factor_options(self, request, user):
        return [{"method": "fake", "title": "Fake codes", "enrolled": user.id in self.enrolled,
                 "summary": "", "url": request.route_url("console.sessions",
                                                         tenant=request.tenant.slug),
                 "routes": ["console.sessions", "api.sessions"]}]

    @hookimpl
    def praxcloud_reset_second_factors(self, request, user):
        if user.id not in self.enrolled:
            return []
        self.enrolled.discard(user.id)
        return ["fake"]

    @hookimpl
    def praxcloud_login_methods(self, request):
        return [{"title": "Sign in another way", "url": "/acme/elsewhere"}]


@pytest.fixture
def fake(registry, tenant):
    codes = FakeCodes()
    registry.plugin_host.register_builtin(codes, "test.fake_codes")
    return codes


def user_id(registry, email: str) -> int:
    from praxcloud.core.local_auth import find_user_by_email

    with tenant_request(registry, "acme") as request:
        return find_user_by_email(request.tenant_db, email).id


def test_console_second_step_with_a_code(testapp, registry, fake):
    fake.enrolled.add(user_id(registry, "staff@acme.test"))
    page = console_login(testapp, "staff@acme.test").follow()
    assert page.request.path == "/acme/login/mfa"
    assert page.forms["mfa-form"]["method"].value == "fake"
    form = page.forms["mfa-form"]
    form["code"] = "000000"
    wrong = form.submit(status=401)
    assert "That code is not right." in wrong.text
    form = wrong.forms["mfa-form"]
    form["code"] = GOOD_CODE
    assert form.submit(status=303).location.endswith("/acme/")
    assert testapp.get("/acme/records").status_int == 200
    [failure] = audit_events(registry, "acme", "mfa.verify")
    assert failure.outcome == "failure" and failure.details["reason"] == "mfa_code_invalid"


def test_login_page_offers_the_plugins_other_ways_in(testapp, fake):
    page = testapp.get("/acme/login")
    link = page.html.select_one("#login-methods a")
    assert link.text == "Sign in another way" and link["href"] == "/acme/elsewhere"


def test_a_required_group_without_a_factor_is_held_at_enrolment(testapp, registry, fake):
    set_tenant_settings(registry, "acme", mfa_required_groups=["staff"])
    answer = console_login(testapp, "staff@acme.test")
    assert answer.location.endswith("/acme/account/mfa")
    page = answer.follow()
    assert page.html.select_one("#mfa-required") is not None
    assert "Fake codes" in page.html.select_one("#mfa-options").text
    # Anything else sends the user back; the plugin's enrolment routes stay open.
    assert testapp.get("/acme/records", status=303).location.endswith("/acme/account/mfa")
    testapp.get("/acme/account/sessions", status=200)

    token = api_login(testapp, "acme", "staff@acme.test")
    refused = testapp.get("/api/v1/acme/records", headers=bearer(token), status=403)
    assert refused.json["error"]["code"] == "required_action"
    testapp.get("/api/v1/acme/sessions", headers=bearer(token), status=200)
    testapp.get("/api/v1/acme/me", headers=bearer(token), status=200)

    # The plugin activates a factor and tells the core: the session is free.
    fake.enrolled.add(user_id(registry, "staff@acme.test"))
    with tenant_request(registry, "acme") as request:
        session = tenant_sessions(request).find_live(token, KIND_API, lambda s: s.user)
        request.__dict__["praxcloud_identity"] = Identity(session.user, session, KIND_API)
        assert enrolment_done(request) is True
    testapp.get("/api/v1/acme/records", headers=bearer(token), status=200)

    # Other groups are not held.
    testapp.reset()
    assert console_login(testapp, "reader@acme.test").location.endswith("/acme/")


def test_enrolment_done_keeps_holding_a_user_without_a_factor(testapp, registry, fake):
    set_tenant_settings(registry, "acme", mfa_required_groups=["staff"])
    token = api_login(testapp, "acme", "staff@acme.test")
    with tenant_request(registry, "acme") as request:
        session = tenant_sessions(request).find_live(token, KIND_API, lambda s: s.user)
        request.__dict__["praxcloud_identity"] = Identity(session.user, session, KIND_API)
        assert enrolment_done(request) is False
        assert session.data["required_actions"][0]["name"] == ENROL_ACTION


def test_a_required_group_with_no_method_available_is_told_so(testapp, registry, tenant):
    set_tenant_settings(registry, "acme", mfa_required_groups=["staff"])
    page = console_login(testapp, "staff@acme.test").follow()
    assert "No second-factor method is available" in page.text


def test_admin_resets_a_users_second_factors(testapp, registry, fake):
    staff_id = user_id(registry, "staff@acme.test")
    fake.enrolled.add(staff_id)
    admin = login(testapp, "acme", "admin@acme.test")
    url = f"/api/v1/acme/users/{staff_id}/second-factors"
    assert testapp.delete(url, headers=admin).json == {"removed": ["fake"]}
    assert testapp.delete(url, headers=admin).json == {"removed": []}
    [reset, _] = audit_events(registry, "acme", "mfa.reset")
    assert reset.target == "staff@acme.test" and reset.details == {"methods": ["fake"]}
    [mail] = mail_files(registry.settings)
    assert "staff@acme.test" in mail.read_text() and "second factors were reset" in (
        mail.read_text())
    # Only users.manage may.
    staff = login(testapp, "acme", "staff@acme.test")
    testapp.delete(url, headers=staff, status=403)

    # The console's button does the same.
    fake.enrolled.add(staff_id)
    console_login(testapp, "admin@acme.test")
    page = testapp.get(f"/acme/users/{staff_id}")
    done = page.forms["reset-second-factors"].submit(status=303).follow()
    assert "were removed" in done.text and staff_id not in fake.enrolled
