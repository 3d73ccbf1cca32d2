"""A policy plugin's password rules (``praxcloud_password_rules``) wherever a password is set.

The core applies the lengths itself, within its floor (8) and cap (64 to
1024), and every new-password form shows the policy's hint, its minimum and
the words a meter counts against, and loads its assets.
"""

from __future__ import annotations

import json

import pytest

from praxcloud.core.hookspecs import hookimpl
from praxcloud.testing import PASSWORD, api_login, bearer
from tests.console.conftest import field_error, login

HINT = "At least 20 characters, or a few words."


class Rules:
    def __init__(self, **rules):
        self.rules = rules

    @hookimpl
    def praxcloud_password_rules(self, request, user):
        return self.rules


class Digit:
    @hookimpl
    def praxcloud_validate_password(self, request, user, password):
        return [] if any(c.isdigit() for c in password) else ["include a digit."]


@pytest.fixture
def strict(registry):
    registry.plugin_host.register_builtin(
        Rules(min_length=20, max_length=80, hint=HINT, scripts=["webauthn.js"],
              stylesheets=["console.css"]), "test.rules")
    registry.plugin_host.register_builtin(Digit(), "test.digit")


def change_form(testapp):
    return testapp.get("/acme/account").forms["password-form"]


def test_the_account_form_shows_the_policys_rules_and_loads_its_assets(testapp, tenant, strict):
    login(testapp, "staff@acme.test")
    page = testapp.get("/acme/account")
    field = page.html.find(id="f-new_password")
    assert field["data-min-length"] == "20"
    assert field["autocomplete"] == "new-password"
    words = json.loads(field["data-password-context"])
    assert "staff@acme.test" in words and tenant.name in words
    assert page.html.find(id="h-new_password").get_text(strip=True) == HINT
    scripts = [tag["src"] for tag in page.html.find_all("script")]
    assert any(src.startswith("/static/webauthn.") for src in scripts)
    assert len([tag for tag in page.html.find_all("link", rel="stylesheet")
                if "/static/console." in tag["href"]]) == 2


def test_every_rule_is_reported_at_once_on_the_console(testapp, tenant, strict):
    login(testapp, "staff@acme.test")
    form = change_form(testapp)
    form["current_password"] = PASSWORD
    form["new_password"] = form["confirm"] = "too short"
    answer = form.submit(status=422)
    assert field_error(answer, "new_password") == (
        "Use at least 20 characters. Include a digit.")
    form = change_form(testapp)
    form["current_password"] = PASSWORD
    form["new_password"] = form["confirm"] = "x" * 81 + "1"
    answer = form.submit(status=422)
    assert field_error(answer, "new_password") == "Use at most 80 characters."


def test_the_api_applies_the_rules(testapp, tenant, strict):
    token = api_login(testapp, "acme", "staff@acme.test")
    answer = testapp.post_json("/api/v1/acme/me/password",
                               {"current_password": PASSWORD, "new_password": "short one"},
                               headers=bearer(token), status=422).json
    assert answer["error"]["code"] == "password_rejected"
    assert answer["error"]["fields"] == {
        "new_password": "use at least 20 characters. include a digit."}
    testapp.post_json("/api/v1/acme/me/password",
                      {"current_password": PASSWORD,
                       "new_password": "twenty one characters 1"},
                      headers=bearer(token), status=204)


def test_the_new_user_form_shows_the_rules_for_a_user_not_yet_created(testapp, tenant, strict):
    login(testapp, "admin@acme.test")
    page = testapp.get("/acme/users/new")
    field = page.html.find(id="password")
    assert field["data-min-length"] == "20"
    assert json.loads(field["data-password-context"]) == [tenant.name]
    assert HINT in page.html.find(id="password").find_next("p", class_="hint").get_text()


@pytest.mark.parametrize(("rules", "floor", "cap"), [
    ({"min_length": 4}, 8, 1024),
    ({"max_length": 10}, 8, 64),
    ({"min_length": 30, "max_length": 5000}, 30, 1024),
    ({}, 8, 1024),
])
def test_no_policy_goes_below_the_floor_or_outside_the_cap(testapp, tenant, registry,
                                                           rules, floor, cap):
    registry.plugin_host.register_builtin(Rules(**rules), "test.rules")
    login(testapp, "staff@acme.test")
    page = testapp.get("/acme/account")
    assert page.html.find(id="f-new_password")["data-min-length"] == str(floor)
    assert f"At least {floor} characters" in page.html.find(id="h-new_password").get_text()
    token = api_login(testapp, "acme", "staff@acme.test")
    too_long = testapp.post_json("/api/v1/acme/me/password",
                                 {"current_password": PASSWORD, "new_password": "y" * (cap + 1)},
                                 headers=bearer(token), status=422).json
    assert too_long["error"]["fields"]["new_password"].startswith(f"use at most {cap} characters")
