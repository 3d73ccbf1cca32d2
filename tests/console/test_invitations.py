"""Welcome invitations: their own mail, validity and page; resent from the user page and the API."""

from __future__ import annotations

import datetime as dt
import re
import threading
from email import message_from_string, policy

import pytest
import webtest
from sqlalchemy import select, update

from praxcloud.core.local_auth import find_user_by_email
from praxcloud.core.models import INVITATION_LINK, PasswordReset, utcnow
from praxcloud.core.scripting import tenant_request
from praxcloud.testing import PASSWORD, api_login, bearer
from tests.console.admin_support import audit_events, console_login, mail_text
from tests.console.conftest import mail_files

CHOSEN = "a pass phrase of my own"
WELCOME = re.compile(r"http://localhost(/acme/welcome/\S+)")


@pytest.fixture
def admin(testapp, registry, tenant):
    console_login(testapp, registry, "admin@acme.test")
    return testapp


def visitor(testapp) -> webtest.TestApp:
    """Another browser: the invited person's."""
    return webtest.TestApp(testapp.app, extra_environ=testapp.extra_environ)


def create_by_form(admin, email: str) -> None:
    form = admin.get("/acme/users/new").forms["user-new"]
    form["email"] = email
    form.get("groups", index=2).checked = True  # staff
    form.submit(status=303)


def mails_to(settings, email: str) -> list:
    """The mails to ``email``, in the order they were written."""
    parsed = (message_from_string(path.read_text(), policy=policy.default)
              for path in mail_files(settings))
    return [message for message in parsed if message["To"] == email]


def welcome_path(message) -> str:
    found = WELCOME.search(mail_text(message))
    assert found, mail_text(message)
    return found.group(1)


def user_id(registry, email: str) -> int:
    with tenant_request(registry, "acme") as request:
        return find_user_by_email(request.tenant_db, email).id


def links_of(registry, email: str) -> list[PasswordReset]:
    with tenant_request(registry, "acme") as request:
        user = find_user_by_email(request.tenant_db, email)
        rows = list(request.tenant_db.scalars(
            select(PasswordReset).where(PasswordReset.user_id == user.id)
            .order_by(PasswordReset.id)))
        request.tenant_db.expunge_all()
        return rows


def test_the_invitation_is_a_welcome_not_a_reset(admin, registry, settings):
    create_by_form(admin, "new@acme.test")
    (sent,) = mails_to(settings, "new@acme.test")
    text = mail_text(sent)
    assert sent["Subject"] == "Welcome to Acme Care: choose your password"
    assert "An account has been made for you at Acme Care" in text
    assert "within 7 days" in text and "http://localhost/acme/login" in text
    assert "reset" not in text.lower() and "someone asked" not in text.lower()
    (link,) = links_of(registry, "new@acme.test")
    assert link.kind == INVITATION_LINK
    # Seven days, not the 30 minutes of a forgot-password link.
    assert dt.timedelta(days=7) - (link.expires_at - link.created_at) < dt.timedelta(seconds=5)


def test_the_invited_person_sets_a_password_and_logs_in(admin, registry, settings, testapp):
    create_by_form(admin, "new@acme.test")
    browser = visitor(testapp)
    page = browser.get(welcome_path(mails_to(settings, "new@acme.test")[0]))
    assert "Welcome to Acme Care" in page.text and "new@acme.test" in page.text
    assert "Choose your password" in page.html.title.get_text()
    form = page.forms["invitation-form"]
    form["password"] = form["confirm"] = CHOSEN
    done = form.submit(status=303)
    assert done.location == "http://localhost/acme/login?notice=invitation_accepted"
    assert "Your password is set" in done.follow().text
    assert api_login(browser, "acme", "new@acme.test", CHOSEN)
    accepted = audit_events(registry, "user.invitation_accepted")
    assert [(e["actor"], e["target"]) for e in accepted] == [("new@acme.test", "new@acme.test")]
    # The link worked once.
    again = browser.get(welcome_path(mails_to(settings, "new@acme.test")[0]), status=400)
    assert "invalid, has expired or has already been used" in again.text
    assert again.html.find(id="invitation-form") is None


def test_a_refused_password_keeps_the_link(admin, settings, testapp):
    create_by_form(admin, "new@acme.test")
    path = welcome_path(mails_to(settings, "new@acme.test")[0])
    browser = visitor(testapp)
    form = browser.get(path).forms["invitation-form"]
    form["password"] = form["confirm"] = "short"
    page = form.submit(status=422)
    assert "at least 8 characters" in page.html.find(id="error-password").get_text()
    form = browser.get(path).forms["invitation-form"]
    form["password"] = form["confirm"] = CHOSEN
    form.submit(status=303)


def test_an_expired_invitation_is_refused_with_what_to_do(admin, registry, settings, testapp):
    create_by_form(admin, "new@acme.test")
    with tenant_request(registry, "acme") as request:
        request.tenant_db.execute(update(PasswordReset).values(
            expires_at=utcnow() - dt.timedelta(minutes=1)))
    page = visitor(testapp).get(welcome_path(mails_to(settings, "new@acme.test")[0]),
                                status=400)
    assert "ask an administrator of acme care to send you a new invitation" in page.text.lower()
    assert "expired" in admin.get(f"/acme/users/{user_id(registry, 'new@acme.test')}").html.find(
        id="invitation-state").get_text()


def test_a_reset_link_does_not_open_the_welcome_page(admin, registry, settings, testapp):
    browser = visitor(testapp)
    form = browser.get("/acme/forgot-password").forms["forgot-form"]
    form["email"] = "staff@acme.test"
    form.submit()
    reset = re.search(r"http://localhost(/acme/reset-password/\S+)",
                      mail_text(mails_to(settings, "staff@acme.test")[0])).group(1)
    browser.get(reset.replace("/reset-password/", "/welcome/"), status=400)


def test_resending_replaces_the_earlier_link_and_is_audited(admin, registry, settings,
                                                            testapp):
    create_by_form(admin, "new@acme.test")
    uid = user_id(registry, "new@acme.test")
    page = admin.get(f"/acme/users/{uid}")
    assert "valid until" in page.html.find(id="invitation-state").get_text()
    done = page.forms["resend-invitation"].submit(status=303).follow()
    assert "A new invitation was mailed to new@acme.test, valid for 7 days" in done.text
    first, second = mails_to(settings, "new@acme.test")
    browser = visitor(testapp)
    browser.get(welcome_path(first), status=400)  # replaced
    assert browser.get(welcome_path(second)).forms["invitation-form"]
    assert [link.used_at is None for link in links_of(registry, "new@acme.test")] == [False, True]
    assert [e["event"] for e in audit_events(registry)
            if e["event"].startswith("user.invit")] == ["user.invited", "user.invitation_resent"]
    resent = audit_events(registry, "user.invitation_resent")[0]
    assert (resent["actor"], resent["target"]) == ("admin@acme.test", "new@acme.test")
    assert resent["details"] == {"user_id": uid, "valid_days": 7}


def test_no_invitation_once_the_user_has_a_password(admin, registry, settings):
    staff = user_id(registry, "staff@acme.test")
    page = admin.get(f"/acme/users/{staff}")
    assert page.html.find(id="resend-invitation") is None
    token = page.forms["user-edit"]["csrf_token"].value
    refused = admin.post(f"/acme/users/{staff}/invitation", {"csrf_token": token},
                         status=303).follow()
    assert "No invitation was sent: the user has already chosen a password" in refused.text
    assert mails_to(settings, "staff@acme.test") == []


def test_the_validity_is_a_tenant_setting(admin, registry, settings):
    form = admin.get("/acme/settings").forms["settings-form"]
    assert form["invitation_days"].value == "7"
    form["invitation_days"] = "14"
    form.submit(status=303)
    create_by_form(admin, "new@acme.test")
    assert "within 14 days" in mail_text(mails_to(settings, "new@acme.test")[0])
    form = admin.get("/acme/settings").forms["settings-form"]
    form["invitation_days"] = "31"
    assert "31" not in str(form.submit(status=422).html.find(id="error-invitation_days"))


def test_api_creates_with_an_invitation_and_resends_it(testapp, registry, tenant, settings):
    admin = bearer(api_login(testapp, "acme", "admin@acme.test"))
    made = testapp.post_json("/api/v1/acme/users", {"email": "app@acme.test",
                                                     "groups": ["staff"]},
                             headers=admin, status=201).json
    assert len(mails_to(settings, "app@acme.test")) == 1
    again = testapp.post(f"/api/v1/acme/users/{made['id']}/invitation", headers=admin,
                         status=202).json
    assert again["event"] == "user.invitation_resent" and again["expires_at"].endswith("Z")
    first, second = mails_to(settings, "app@acme.test")
    # The invitation's token also works where an app sets passwords: the API's reset.
    token = welcome_path(second).rsplit("/", 1)[1]
    testapp.post_json("/api/v1/acme/auth/reset-password",
                      {"token": welcome_path(first).rsplit("/", 1)[1], "password": CHOSEN},
                      status=400)
    testapp.post_json("/api/v1/acme/auth/reset-password", {"token": token, "password": CHOSEN},
                      status=204)
    refused = testapp.post(f"/api/v1/acme/users/{made['id']}/invitation", headers=admin,
                           status=409).json
    assert refused["error"]["code"] == "invitation_refused"
    # With a password given, no invitation.
    testapp.post_json("/api/v1/acme/users", {"email": "set@acme.test", "groups": ["staff"],
                                             "password": PASSWORD}, headers=admin, status=201)
    assert mails_to(settings, "set@acme.test") == []


def test_api_resend_needs_users_manage(testapp, tenant):
    staff = bearer(api_login(testapp, "acme", "staff@acme.test"))
    testapp.post("/api/v1/acme/users/1/invitation", headers=staff, status=403)


# Concurrent writers: PostgreSQL only (SQLite has a single writer); under
# PRAXCLOUD_TEST_STRICT a missing server fails the test, never skips it.
@pytest.mark.parametrize("backend", ["postgresql"])
def test_concurrent_resends_leave_one_live_link(app, testapp, registry, tenant, settings,
                                                backend):
    """Eight administrators' clicks at once: one invitation stays live, the newest mailed."""
    admin = bearer(api_login(testapp, "acme", "admin@acme.test"))
    made = testapp.post_json("/api/v1/acme/users", {"email": "new@acme.test",
                                                     "groups": ["staff"]},
                             headers=admin, status=201).json
    clients = [webtest.TestApp(app, extra_environ=testapp.extra_environ) for _ in range(8)]
    barrier = threading.Barrier(len(clients))
    statuses = []

    def resend(client):
        barrier.wait()
        statuses.append(client.post(f"/api/v1/acme/users/{made['id']}/invitation",
                                    headers=admin, expect_errors=True).status_int)

    threads = [threading.Thread(target=resend, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [202] * len(clients)
    links = links_of(registry, "new@acme.test")
    assert len(links) == 1 + len(clients)
    assert [link.used_at is None for link in links].count(True) == 1
    assert len(audit_events(registry, "user.invitation_resent")) == len(clients)
