"""The user's own account page: profile, password change, sessions."""

from __future__ import annotations

import webtest
from sqlalchemy import select

from praxcloud.core.models import AuditEvent, AuthSession
from praxcloud.core.scripting import tenant_request
from praxcloud.testing import PASSWORD, api_login, bearer
from tests.console.conftest import alert_text, field_error, login, session_cookie

NEW_PASSWORD = "another good pass phrase"


def second_browser(app):
    return webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost",
                                               "REMOTE_ADDR": "127.0.0.2"})


def change(testapp, current: str, new: str, confirm: str | None = None, status=303):
    form = testapp.get("/acme/account").forms["password-form"]
    form["current_password"] = current
    form["new_password"] = new
    form["confirm"] = new if confirm is None else confirm
    return form.submit(status=status)


def test_account_page_shows_email_and_groups(staff):
    page = staff.get("/acme/account")
    text = page.html.find("main").get_text(" ", strip=True)
    assert "staff@acme.test" in text and "staff" in text and "records.write" in text


def test_password_change_ends_other_sessions_only(staff, app, registry):
    other = second_browser(app)
    login(other, "staff@acme.test")
    api_token = api_login(staff, "acme", "staff@acme.test")
    answer = change(staff, PASSWORD, NEW_PASSWORD)
    assert answer.location == "http://localhost/acme/account"
    assert "Your password has been changed" in answer.follow().text
    # This browser stays in; the other browser and the API token are out.
    assert staff.get("/acme/records").status_int == 200
    assert other.get("/acme/records", status=303).location.startswith(
        "http://localhost/acme/login")
    staff.get("/api/v1/acme/me", headers=bearer(api_token), status=401)
    login(other, "staff@acme.test", PASSWORD, status=401)
    login(other, "staff@acme.test", NEW_PASSWORD)
    with tenant_request(registry, "acme") as request:
        events = list(request.tenant_db.scalars(
            select(AuditEvent).where(AuditEvent.event == "password.change")))
    assert [e.outcome for e in events] == ["success"]


def test_wrong_current_password_is_refused_and_audited(staff, registry):
    answer = change(staff, "not my password", NEW_PASSWORD, status=422)
    assert field_error(answer, "current_password") == "This is not your current password."
    assert alert_text(answer) == "Please correct the fields marked below."
    staff.reset()
    login(staff, "staff@acme.test", PASSWORD)
    with tenant_request(registry, "acme") as request:
        events = list(request.tenant_db.scalars(
            select(AuditEvent).where(AuditEvent.event == "password.change")))
    assert [(e.outcome, e.details["reason"]) for e in events] == [
        ("failure", "wrong current password")]


def test_mismatch_and_policy_are_form_errors(staff):
    mismatch = change(staff, PASSWORD, NEW_PASSWORD, "different", status=422)
    assert field_error(mismatch, "confirm") == "The two new passwords are not the same."
    short = change(staff, PASSWORD, "short", status=422)
    assert field_error(short, "new_password") == "Use at least 8 characters."
    empty = change(staff, "", "", status=422)
    assert field_error(empty, "current_password") == "Enter your current password."
    assert field_error(empty, "new_password") == "Enter a new password."
    # Password fields are never sent back to the browser.
    assert 'value="short"' not in short.text and PASSWORD not in short.text
    staff.reset()
    login(staff, "staff@acme.test", PASSWORD)


def test_password_change_needs_csrf(staff):
    staff.post("/acme/account", {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                 "confirm": NEW_PASSWORD}, status=400)
    staff.reset()
    login(staff, "staff@acme.test", PASSWORD)


def test_sessions_page_lists_own_sessions_with_the_current_marked(staff, app):
    other = second_browser(app)
    login(other, "staff@acme.test")
    login(second_browser(app), "admin@acme.test")
    page = staff.get("/acme/account/sessions")
    rows = page.html.select("table.sessions tbody tr")
    assert len(rows) == 2
    current = [r for r in rows if "current" in (r.get("class") or [])]
    assert len(current) == 1 and "this session" in current[0].get_text()
    assert "127.0.0.2" in page.text
    assert "admin@acme.test" not in page.html.find("table").get_text()


def test_revoking_another_of_own_sessions(staff, app, registry):
    other = second_browser(app)
    login(other, "staff@acme.test")
    page = staff.get("/acme/account/sessions")
    with tenant_request(registry, "acme") as request:
        other_id = request.tenant_db.scalars(
            select(AuthSession.id).where(AuthSession.ip == "127.0.0.2")).one()
    answer = page.forms[f"revoke-{other_id}"].submit(status=303)
    assert answer.location == "http://localhost/acme/account/sessions"
    assert "The session has ended." in answer.follow().text
    other.get("/acme/", status=303)
    assert staff.get("/acme/").status_int == 200


def test_revoking_the_current_session_logs_out(staff, registry):
    page = staff.get("/acme/account/sessions")
    (form_id,) = [f for f in page.forms if str(f).startswith("revoke-")]
    answer = page.forms[form_id].submit(status=303)
    assert answer.location.endswith("/acme/login?notice=logged_out")
    assert not session_cookie(staff)


def test_another_users_session_is_404(staff, app, registry):
    login(second_browser(app), "admin@acme.test")
    with tenant_request(registry, "acme") as request:
        admin_session = request.tenant_db.scalars(
            select(AuthSession.id).where(AuthSession.ip == "127.0.0.2")).one()
    csrf = staff.get("/acme/account").forms["password-form"]["csrf_token"].value
    answer = staff.post(f"/acme/account/sessions/{admin_session}/revoke",
                        {"csrf_token": csrf}, status=404)
    assert "Page not found" in answer.text
    staff.post("/acme/account/sessions/999999/revoke", {"csrf_token": csrf}, status=404)
    staff.post("/acme/account/sessions/abc/revoke", {"csrf_token": csrf}, status=404)
    with tenant_request(registry, "acme") as request:
        assert request.tenant_db.get(AuthSession, admin_session).revoked_at is None


def test_account_needs_login(testapp, tenant):
    assert testapp.get("/acme/account", status=303).location.startswith(
        "http://localhost/acme/login?next=")
