"""The console under the core's attempt limits (issue 9): login, password change, reset mails."""

from __future__ import annotations

from praxcloud.core.stepup import MAX_REAUTH_FAILURES
from praxcloud.testing import PASSWORD
from tests.console.conftest import (
    alert_text,
    field_error,
    login,
    mail_files,
    reset_link_from_mail,
    session_cookie,
)

NEW_PASSWORD = "another good pass phrase"
WINDOW = 15 * 60


def test_the_login_form_refuses_the_eleventh_attempt_with_a_message(fake_clock, testapp, tenant):
    for _ in range(10):
        login(testapp, "staff@acme.test", "wrong password", status=401)
    refused = login(testapp, "staff@acme.test", PASSWORD, status=429)
    assert refused.headers["Retry-After"] == str(WINDOW)
    text = refused.html.find("main").get_text(" ", strip=True)
    assert f"Too many login attempts. Please try again in {WINDOW} seconds." in text
    assert session_cookie(testapp) is None
    # The same words for an account that does not exist.
    for _ in range(10):
        login(testapp, "ghost@acme.test", "wrong password", status=401)
    ghost = login(testapp, "ghost@acme.test", PASSWORD, status=429)
    assert ghost.html.find("main").get_text(" ", strip=True) == text.replace(
        "staff@acme.test", "ghost@acme.test")
    fake_clock.advance(WINDOW)
    login(testapp, "staff@acme.test", PASSWORD)
    assert session_cookie(testapp)


def change(testapp, current: str, status: int):
    form = testapp.get("/acme/account").forms["password-form"]
    form["current_password"] = current
    form["new_password"] = NEW_PASSWORD
    form["confirm"] = NEW_PASSWORD
    return form.submit(status=status)


def test_five_wrong_current_passwords_end_the_console_session(testapp, tenant):
    login(testapp, "staff@acme.test")
    for attempt in range(1, MAX_REAUTH_FAILURES):
        wrong = change(testapp, f"guess {attempt}", 422)
        assert field_error(wrong, "current_password") == "This is not your current password."
    ended = change(testapp, "guess 5", 303)
    assert ended.location.startswith("http://localhost/acme/login")
    assert "Your session has ended" in ended.follow().text
    assert not session_cookie(testapp)
    assert testapp.get("/acme/account", status=303).location.startswith(
        "http://localhost/acme/login")
    # The password was not changed.
    login(testapp, "staff@acme.test", NEW_PASSWORD, status=401)
    login(testapp, "staff@acme.test", PASSWORD)


def ask_for_link(testapp, email: str, address: str = "127.0.0.1"):
    form = testapp.get("/acme/forgot-password").forms["forgot-form"]
    form["email"] = email
    return form.submit(status=200, extra_environ={"REMOTE_ADDR": address})


def test_reset_mails_within_budget_and_only_the_newest_link_works(
        fake_clock, testapp, tenant, settings):
    answers = [ask_for_link(testapp, "staff@acme.test") for _ in range(6)]
    sent = mail_files(settings)
    assert len(sent) == 3
    # Every answer the same page, mail or not.
    texts = {a.html.find("main").get_text(" ", strip=True) for a in answers}
    assert len(texts) == 1 and "we have sent it a link" in texts.pop()
    assert alert_text(answers[-1]) == ""
    links = [reset_link_from_mail(path) for path in sent]
    for old in links[:-1]:
        page = testapp.get(old, status=400)
        assert "reset-form" not in page.forms
    form = testapp.get(links[-1]).forms["reset-form"]
    form["password"] = form["confirm"] = NEW_PASSWORD
    form.submit(status=303)
    login(testapp, "staff@acme.test", NEW_PASSWORD)
    fake_clock.advance(60 * 60)
    ask_for_link(testapp, "staff@acme.test")
    assert len(mail_files(settings)) == 4
