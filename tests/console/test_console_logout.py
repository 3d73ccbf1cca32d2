"""Logging out of the console ends the server-side session, not just the cookie."""

from __future__ import annotations

from sqlalchemy import select

from praxcloud.core.models import AuditEvent, AuthSession
from praxcloud.core.scripting import tenant_request
from praxcloud.core.security import CONSOLE_COOKIE
from tests.console.conftest import login, session_cookie


def test_logout_revokes_the_session_and_replaying_the_cookie_fails(staff, registry):
    token = session_cookie(staff)
    answer = staff.get("/acme/").forms["logout-form"].submit(status=303)
    assert answer.location == "http://localhost/acme/login?notice=logged_out"
    cleared = [v for k, v in answer.headerlist
               if k == "Set-Cookie" and v.startswith(CONSOLE_COOKIE + "=")]
    assert cleared and "max-age=0" in cleared[0].lower()
    assert "You have logged out." in answer.follow().text
    # The old cookie, sent again, opens nothing: the session is dead on the server.
    staff.set_cookie(CONSOLE_COOKIE, token)
    assert staff.get("/acme/records", status=303).location.startswith(
        "http://localhost/acme/login?next=")
    with tenant_request(registry, "acme") as request:
        session = request.tenant_db.scalars(select(AuthSession)).one()
        assert session.revoked_at is not None
        events = [e.event for e in request.tenant_db.scalars(select(AuditEvent))]
    assert "logout" in events


def test_logout_needs_the_csrf_token(staff):
    staff.post("/acme/logout", {}, status=400)
    staff.post("/acme/logout", {"csrf_token": "forged"}, status=400)
    assert staff.get("/acme/").status_int == 200


def test_logout_by_get_only_asks(staff):
    page = staff.get("/acme/logout")
    assert "Log out?" in page.text
    assert staff.get("/acme/").status_int == 200
    assert page.forms["logout-confirm-form"].submit(status=303).location.endswith(
        "notice=logged_out")


def test_logout_after_the_session_ended_just_clears_the_cookie(testapp, tenant, registry):
    login(testapp, "staff@acme.test")
    form = testapp.get("/acme/").forms["logout-form"]
    with tenant_request(registry, "acme") as request:
        for session in request.tenant_db.scalars(select(AuthSession)):
            session.revoked_at = session.created_at
    answer = form.submit(status=303)
    assert answer.location == "http://localhost/acme/login?notice=session_ended"
    assert not session_cookie(testapp)


def test_notice_parameter_shows_only_known_texts(testapp, tenant):
    page = testapp.get("/acme/login?notice=<b>you+are+hacked</b>")
    assert "hacked" not in page.text
    assert "Your session has ended" in testapp.get("/acme/login?notice=session_ended").text
