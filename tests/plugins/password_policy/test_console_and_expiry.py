"""password_policy on the console (hints, the meter's assets, refusals, the "against advice"
marks) and forced expiry on both sides."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import update

from praxcloud.plugin import User, utcnow
from praxcloud.testing import PASSWORD, api_login, bearer

from .conftest import GOOD, NAME, change_password

METER = ("password_policy-zxcvbn-ts-core", "password_policy-zxcvbn-ts-common",
         "password_policy-zxcvbn-ts-en", "password_policy-meter")


def scripts(page) -> list[str]:
    return [tag["src"].split("/")[-1].rsplit(".", 2)[0] for tag in page.html.find_all("script")]


def test_every_new_password_form_shows_the_rules_and_loads_the_meter(policy_tenant,
                                                                      console_client, mailbox):
    policy_tenant()
    staff = console_client("acme", "staff@acme.test")
    page = staff.get("/acme/account")
    field = page.html.find(id="f-new_password")
    assert field["data-min-length"] == "15"
    assert set(json.loads(field["data-password-context"])) == {"Acme Care", "staff@acme.test"}
    assert page.html.find(id="h-new_password").get_text(strip=True).startswith(
        "At least 15 characters.")
    assert scripts(page)[-4:] == list(METER)
    assert any("password_policy-meter." in tag["href"]
               for tag in page.html.find_all("link", rel="stylesheet"))
    for asset in page.html.find_all("script"):
        staff.get(asset["src"], status=200)

    admin = console_client("acme", "admin@acme.test")
    new_user = admin.get("/acme/users/new")
    assert "At least 15 characters, or 8 for people who must use two-step sign-in." in (
        new_user.html.find(id="password").find_next("p", class_="hint").get_text())
    assert scripts(new_user)[-4:] == list(METER)


def test_the_admins_new_user_form_refuses_with_every_reason(policy_tenant, console_client):
    policy_tenant()
    admin = console_client("acme", "admin@acme.test")
    form = admin.get("/acme/users/new").forms["user-new"]
    form["email"] = "new@acme.test"
    form["display_name"] = "New Person"
    form["onboarding"] = "chosen"
    form["password"] = "password"
    for box in form.fields["groups"]:
        box.checked = box._value == "staff"
    page = form.submit(status=422)
    error = page.html.find(id="error-password") or page.html.find(class_="field-error")
    assert error.get_text(" ", strip=True) == (
        "The password is not accepted. Use at least 15 characters. This password is too "
        "common: it is on lists of leaked and often-used passwords.")


def test_the_plugins_page_marks_what_departs_from_nist_advice(policy_tenant, configure,
                                                              console_client):
    policy_tenant()
    admin = console_client("acme", "admin@acme.test")
    page = admin.get("/acme/plugins")
    assert page.html.select(f"#plugin-{NAME} .against-advice") == []
    configure(require_digit=True, expire_days=90)
    page = admin.get("/acme/plugins")
    marked = page.html.select(f"#plugin-{NAME} .against-advice")
    assert [tag["id"] for tag in marked] == [f"advice-{NAME}--require_digit",
                                             f"advice-{NAME}--expire_days"]
    assert "Against NIST/ASVS advice" in marked[0].get_text()
    assert "composition rules" in marked[0].get_text()


def age_password(tenant_request, email: str, days: int) -> None:
    with tenant_request("acme") as request:
        request.tenant_db.execute(update(User).where(User.email == email).values(
            password_changed_at=utcnow() - dt.timedelta(days=days)))


def test_an_expired_password_holds_the_api_until_it_is_changed(testapp, policy_tenant,
                                                                configure, tenant_request):
    policy_tenant()
    configure(expire_days=30)
    age_password(tenant_request, "staff@acme.test", 29)
    auth = bearer(api_login(testapp, "acme", "staff@acme.test"))
    testapp.get("/api/v1/acme/records", headers=auth, status=200)

    age_password(tenant_request, "staff@acme.test", 31)
    auth = bearer(api_login(testapp, "acme", "staff@acme.test"))
    held = testapp.get("/api/v1/acme/records", headers=auth, status=403).json
    assert held["error"]["code"] == "password_expired"
    assert held["error"]["action"] == "password_policy.expired"
    rules = testapp.get("/api/v1/acme/password-policy", headers=auth).json
    assert rules["expires_at"] < utcnow().isoformat()
    testapp.get("/api/v1/acme/me", headers=auth, status=200)
    # The same password again is no change.
    same = change_password(testapp, auth, PASSWORD, status=422)
    assert same["error"]["code"] == "password_rejected"
    change_password(testapp, auth, GOOD)
    testapp.get("/api/v1/acme/records", headers=auth, status=200)


def test_an_expired_password_sends_the_console_user_to_change_it(testapp, policy_tenant,
                                                                   configure, tenant_request):
    policy_tenant()
    configure(expire_days=30)
    age_password(tenant_request, "staff@acme.test", 45)
    form = testapp.get("/acme/login").forms["login-form"]
    form["email"], form["password"] = "staff@acme.test", PASSWORD
    answer = form.submit(status=303)
    assert answer.location.endswith("/acme/account")
    assert testapp.get("/acme/records", status=303).location.endswith("/acme/account")
    page = testapp.get("/acme/account")
    assert "Your password has expired: choose a new one." in page.html.get_text()
    form = page.forms["password-form"]
    form["current_password"] = PASSWORD
    form["new_password"] = form["confirm"] = GOOD
    form.submit(status=303)
    testapp.get("/acme/records", status=200)


def test_users_without_a_local_password_never_expire(testapp, policy_tenant, configure,
                                                     tenant_request):
    policy_tenant(expire_days=30)
    with tenant_request("acme") as request:
        request.tenant_db.execute(update(User).where(User.email == "reader@acme.test").values(
            password_hash=None, password_changed_at=utcnow() - dt.timedelta(days=400)))
        reader = request.tenant_db.query(User).filter_by(email="reader@acme.test").one()
        answers = request.tenant_hooks.praxcloud_authenticated(request=request, user=reader)
    assert [action for answer in answers for action in answer] == []
