"""Forgot password and reset link, using the mails the folder mailer writes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from praxcloud.core.hookspecs import hookimpl
from praxcloud.core.models import AuthSession, PasswordReset, utcnow
from praxcloud.core.scripting import tenant_request
from praxcloud.testing import PASSWORD
from tests.console.conftest import (
    alert_text,
    field_error,
    login,
    mail_files,
    reset_link_from_mail,
    session_cookie,
)

NEW_PASSWORD = "a brand new pass phrase"
SENT = "If an account with this e-mail address exists, we have sent it a link"


def ask_for_link(testapp, email: str, status=200):
    form = testapp.get("/acme/forgot-password").forms["forgot-form"]
    form["email"] = email
    return form.submit(status=status)


def set_new_password(testapp, link: str, password: str, confirm: str | None = None,
                     status=303):
    form = testapp.get(link).forms["reset-form"]
    form["password"] = password
    form["confirm"] = password if confirm is None else confirm
    return form.submit(status=status)


def the_link(settings) -> str:
    (mail,) = mail_files(settings)
    link = reset_link_from_mail(mail)
    return link.replace("http://localhost", "")


def test_same_answer_whether_or_not_the_account_exists(testapp, tenant, settings):
    known = ask_for_link(testapp, "staff@acme.test")
    unknown = ask_for_link(testapp, "nobody@acme.test")
    assert SENT in known.text and SENT in unknown.text
    assert known.html.find("main").get_text() == unknown.html.find("main").get_text()
    assert len(mail_files(settings)) == 1


def test_reset_link_works_once(testapp, tenant, settings, registry):
    login(testapp, "staff@acme.test")  # a session that the reset must end
    other_browser_token = session_cookie(testapp)
    testapp.reset()
    ask_for_link(testapp, "Staff@Acme.test ")
    link = the_link(settings)
    done = set_new_password(testapp, link, NEW_PASSWORD)
    assert done.location == "http://localhost/acme/login?notice=password_reset"
    assert "Your password has been changed" in done.follow().text
    # The old password is gone, the new one works, the earlier session has ended.
    login(testapp, "staff@acme.test", PASSWORD, status=401)
    login(testapp, "staff@acme.test", NEW_PASSWORD)
    with tenant_request(registry, "acme") as request:
        sessions = list(request.tenant_db.scalars(select(AuthSession).order_by(AuthSession.id)))
    assert sessions[0].revoked_at is not None and sessions[-1].revoked_at is None
    assert other_browser_token != session_cookie(testapp)
    # The same link a second time is refused.
    testapp.reset()
    again = testapp.get(link, status=400)
    assert "invalid, has expired or has already been used" in again.text
    assert again.html.find(id="reset-form") is None


def test_second_use_by_post_is_refused(testapp, tenant, settings):
    ask_for_link(testapp, "staff@acme.test")
    link = the_link(settings)
    form = testapp.get(link).forms["reset-form"]
    set_new_password(testapp, link, NEW_PASSWORD)
    form["password"] = form["confirm"] = "yet another pass phrase"
    refused = form.submit(status=400)
    assert "invalid, has expired or has already been used" in refused.text
    login(testapp, "staff@acme.test", NEW_PASSWORD)


def test_expired_link_is_refused(testapp, tenant, settings, registry):
    ask_for_link(testapp, "staff@acme.test")
    link = the_link(settings)
    form = testapp.get(link).forms["reset-form"]
    with tenant_request(registry, "acme") as request:
        request.tenant_db.execute(update(PasswordReset).values(
            expires_at=utcnow() - dt.timedelta(minutes=1)))
    assert "has expired" in testapp.get(link, status=400).text
    form["password"] = form["confirm"] = NEW_PASSWORD
    form.submit(status=400)
    login(testapp, "staff@acme.test", PASSWORD)


def test_unknown_token_is_refused(testapp, tenant):
    assert "invalid" in testapp.get("/acme/reset-password/not-a-real-token", status=400).text


def test_mismatch_and_policy_errors_keep_the_link_usable(testapp, tenant, settings, registry):
    class Policy:
        @hookimpl
        def praxcloud_validate_password(self, request, user, password):
            return [] if any(c.isdigit() for c in password) else ["include a digit."]

    registry.plugin_host.register_builtin(Policy(), "test.policy")
    ask_for_link(testapp, "staff@acme.test")
    link = the_link(settings)
    mismatch = set_new_password(testapp, link, NEW_PASSWORD, "something else", status=422)
    assert field_error(mismatch, "confirm") == "The two passwords are not the same."
    short = set_new_password(testapp, link, "abc", status=422)
    assert field_error(short, "password") == (
        "Use at least 8 characters. Include a digit.")
    assert alert_text(short) == "Please correct the fields marked below."
    policy = set_new_password(testapp, link, NEW_PASSWORD, status=422)
    assert field_error(policy, "password") == "Include a digit."
    with tenant_request(registry, "acme") as request:
        reset = request.tenant_db.scalars(select(PasswordReset)).one()
        assert reset.used_at is None
    set_new_password(testapp, link, NEW_PASSWORD + " 2")
    login(testapp, "staff@acme.test", NEW_PASSWORD + " 2")


@pytest.mark.parametrize("email, message", [
    ("", "Enter the e-mail address of your account."),
    ("not-an-address", "Enter a valid e-mail address."),
])
def test_forgot_form_errors(testapp, tenant, settings, email, message):
    answer = ask_for_link(testapp, email, status=422)
    assert field_error(answer, "email") == message
    assert answer.forms["forgot-form"]["email"].value == email
    assert mail_files(settings) == []


def test_forgot_and_reset_need_csrf(testapp, tenant, settings):
    testapp.post("/acme/forgot-password", {"email": "staff@acme.test"}, status=400)
    assert mail_files(settings) == []
    ask_for_link(testapp, "staff@acme.test")
    link = the_link(settings)
    testapp.post(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, status=400)
    login(testapp, "staff@acme.test", PASSWORD)


def test_control_characters_in_the_forgot_email_are_refused(testapp, tenant, settings):
    answer = ask_for_link(testapp, "staff\x00@acme.test", status=422)
    assert field_error(answer, "email") == "Enter a valid e-mail address."
    assert mail_files(settings) == []
