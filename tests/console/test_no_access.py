"""A user whose groups grant nothing: warned about at creation, told whom to ask after login."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from praxcloud.core.models import User
from praxcloud.core.scripting import tenant_request
from tests.console.admin_support import audit_events, console_login, field_error
from tests.console.conftest import login


@pytest.fixture
def admin(testapp, registry, tenant):
    console_login(testapp, registry, "admin@acme.test")
    return testapp


def new_user_form(admin, email: str):
    form = admin.get("/acme/users/new").forms["user-new"]
    form["email"] = email
    form["onboarding"] = "chosen"
    form["password"] = "a long enough password"
    return form


def user_exists(registry, email: str) -> bool:
    with tenant_request(registry, "acme") as request:
        return request.tenant_db.query(User).filter_by(email=email).first() is not None


def test_creating_a_user_without_access_asks_for_a_confirmation(admin, registry):
    assert "can log in but open no page" in admin.get("/acme/users/new").text
    page = new_user_form(admin, "nobody@acme.test").submit(status=422)
    assert "give no permission: this person could log in but open no page" in field_error(
        page, "groups")
    assert not user_exists(registry, "nobody@acme.test")
    form = page.forms["user-new"]
    form["password"] = "a long enough password"
    form["no_access_ok"] = True
    created = form.submit(status=303).follow()
    assert user_exists(registry, "nobody@acme.test")
    assert "they can log in but open no page" in created.html.find(id="no-access-note").get_text()
    assert audit_events(registry, "user.create")[-1]["details"] == {"groups": []}


def test_a_group_without_permissions_counts_as_no_access(admin, registry):
    with tenant_request(registry, "acme") as request:
        from praxcloud.core.models import Group
        request.tenant_db.add(Group(name="visitors", description="", permissions=[]))
    form = new_user_form(admin, "visitor@acme.test")
    for box in form.fields["groups"]:
        box.checked = box._value == "visitors"
    form.submit(status=422)
    form = new_user_form(admin, "helper@acme.test")
    for box in form.fields["groups"]:
        box.checked = box._value == "read-only"
    form.submit(status=303)


def test_a_user_without_access_is_told_whom_to_ask(testapp, registry, tenant, make_user):
    make_user("acme", "second.admin@acme.test", groups=("admin",))
    make_user("acme", "lost@acme.test", groups=())
    with tenant_request(registry, "acme") as request:
        request.tenant_db.execute(update(User).where(User.email == "admin@acme.test")
                                  .values(display_name="Ada Admin"))
    # Sent on to a page they may not open, they land on home instead.
    landed = login(testapp, "lost@acme.test", next_path="/acme/records")
    assert landed.location == "http://localhost/acme/"
    home = landed.follow()
    card = home.html.find(id="no-access").get_text(" ", strip=True)
    assert "does not give you access to anything yet" in card
    admins = [li.get_text(" ", strip=True) for li in home.html.select("#administrators li")]
    assert admins == ["Ada Admin, admin@acme.test", "second.admin@acme.test"]
    assert home.html.select_one('#administrators a')["href"] == "mailto:admin@acme.test"
    # Any refused page says the same, with its 403.
    refused = testapp.get("/acme/records", status=403)
    assert refused.html.find(id="no-access") is not None
    assert "admin@acme.test" in refused.text
    # Their own account stays theirs.
    testapp.get("/acme/account", status=200)


def test_deactivated_administrators_are_not_named(testapp, registry, tenant, make_user):
    make_user("acme", "lost@acme.test", groups=())
    with tenant_request(registry, "acme") as request:
        request.tenant_db.execute(update(User).where(User.email == "admin@acme.test")
                                  .values(is_active=False))
    login(testapp, "lost@acme.test")
    page = testapp.get("/acme/")
    assert page.html.find(id="administrators") is None
    assert "has no administrator who could give you access" in page.text


def test_users_with_access_still_get_the_plain_403(testapp, tenant):
    login(testapp, "reader@acme.test")
    refused = testapp.get("/acme/users", status=403)
    assert refused.html.find(id="no-access") is None
    assert "You do not have permission to open this page" in refused.text
