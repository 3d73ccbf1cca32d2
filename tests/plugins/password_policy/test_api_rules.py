"""password_policy through the API: lengths, the blocklist, the tenant's own rules, history.

Each rule is shown on the path a person or an app would take: changing
one's own password, an administrator creating a user, a reset link; every
rule broken comes back at once, under the field the password came in.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from praxcloud.plugin import PluginSettingsInvalid
from praxcloud.testing import PASSWORD, api_login, bearer

from .conftest import GOOD, OTHER, change_password, headers, rejection


def test_a_password_alone_needs_15_characters(testapp, policy_tenant):
    policy_tenant()
    auth = headers(testapp, "staff@acme.test")
    short = change_password(testapp, auth, "plum orbit fig", status=422)  # 14
    assert rejection(short) == "use at least 15 characters."
    change_password(testapp, auth, "plum orbit figs")  # 15


def test_a_user_who_must_use_a_second_factor_needs_8(testapp, policy_tenant, console_client):
    policy_tenant()
    admin = console_client("acme", "admin@acme.test")
    form = admin.get("/acme/settings").forms["settings-form"]
    for box in form.fields["mfa_required_groups"]:
        box.checked = box._value == "staff"
    form.submit(status=303)
    auth = headers(testapp, "admin@acme.test")
    created = testapp.post_json("/api/v1/acme/users",
                                {"email": "new@acme.test", "password": "zq8#Lm2v",
                                 "groups": ["staff"]}, headers=auth, status=201).json
    assert created["email"] == "new@acme.test"
    refused = testapp.post_json("/api/v1/acme/users",
                                {"email": "other@acme.test", "password": "zq8#Lm2v",
                                 "groups": ["read-only"]}, headers=auth, status=422).json
    assert refused["error"]["fields"] == {"password": "use at least 15 characters."}


def test_a_tenant_without_the_plugin_keeps_the_cores_floor(testapp, make_tenant, make_user,
                                                           policy_tenant):
    policy_tenant()
    make_tenant("globex", "Globex")
    make_user("globex", "admin@globex.test", groups=("admin",))
    auth = bearer(api_login(testapp, "globex", "admin@globex.test"))
    testapp.post_json("/api/v1/globex/users",
                      {"email": "new@globex.test", "password": "zq8#Lm2v", "groups": ["staff"]},
                      headers=auth, status=201)
    testapp.get("/api/v1/globex/password-policy", headers=auth, status=404)


def test_common_and_leaked_passwords_are_refused_whatever_their_case(testapp, policy_tenant):
    policy_tenant()
    auth = headers(testapp, "staff@acme.test")
    for common in ("passwordpassword", "PasswordPassword", "qwertyuiopasdfgh",
                   "correcthorsebatterystaple"):
        answer = change_password(testapp, auth, common, status=422)
        assert rejection(answer) == ("this password is too common: it is on lists of leaked "
                                     "and often-used passwords.")


def test_the_users_own_words_and_the_organisations_name_are_refused(testapp, policy_tenant):
    policy_tenant()
    auth = headers(testapp, "staff@acme.test")
    for own in ("Acme Care 2024!!", "staff@acme.test1", "acmecare12345678"):
        answer = change_password(testapp, auth, own, status=422)
        assert rejection(answer) == ("do not build the password from your e-mail address, "
                                     "your name or the organisation's name.")
    change_password(testapp, auth, GOOD)


def test_the_tenants_own_rules_are_all_reported_at_once(testapp, policy_tenant, configure):
    policy_tenant()
    configure(require_digit=True, require_upper=True, require_special=True, min_length=20)
    auth = headers(testapp, "staff@acme.test")
    answer = change_password(testapp, auth, "password", status=422)
    assert rejection(answer) == (
        "use at least 20 characters. include a digit. include a capital letter. include a "
        "special character (not a letter or digit). this password is too common: it is on "
        "lists of leaked and often-used passwords.")
    # Unicode counts: a digit, a capital and a symbol from other scripts.
    change_password(testapp, auth, "Ωmega lanterns ٣ drift over quiet harbours")


def test_the_maximum_is_the_tenants_and_unicode_is_normalised(testapp, policy_tenant):
    policy_tenant(max_length=64)
    auth = headers(testapp, "staff@acme.test")
    answer = change_password(testapp, auth, "lantern " * 8 + "x", status=422)  # 65
    assert rejection(answer) == "use at most 64 characters."
    # "ﬁ" (one ligature) is "fi" after NFKC: the user logs in with either form.
    change_password(testapp, auth, "ﬁve violet lanterns drift over harbours")
    headers(testapp, "staff@acme.test", "five violet lanterns drift over harbours")


def test_the_last_n_passwords_are_refused(testapp, policy_tenant, tenant_request):
    policy_tenant(history_count=3)
    auth = headers(testapp, "staff@acme.test")
    change_password(testapp, auth, GOOD)
    reused = change_password(testapp, auth, GOOD, current=GOOD, status=422)
    assert rejection(reused) == "do not reuse your current password or one of the 2 before it."
    change_password(testapp, auth, OTHER, current=GOOD)
    # The first password (set when the user was created) is the third of three.
    again = change_password(testapp, auth, PASSWORD, current=OTHER, status=422)
    assert "do not reuse" in rejection(again)
    third = "nine copper bells under a winter moon"
    change_password(testapp, auth, third, current=OTHER)
    # Now the first one has dropped out of the last three.
    change_password(testapp, auth, PASSWORD, current=third)
    with tenant_request("acme") as request:
        kept = request.tenant_db.execute(text(
            "SELECT count(*) FROM password_policy_history h JOIN users u ON u.id = h.user_id "
            "WHERE u.email = 'staff@acme.test'")).scalar()
    assert kept == 3


def test_a_reset_link_and_an_invitation_follow_the_policy(testapp, policy_tenant, mailbox):
    policy_tenant()
    testapp.post_json("/api/v1/acme/auth/forgot-password", {"email": "staff@acme.test"},
                      status=202)
    token = mailbox.last("staff@acme.test").link("reset-password").rsplit("/", 1)[-1]
    refused = testapp.post_json("/api/v1/acme/auth/reset-password",
                                {"token": token, "password": "short one"}, status=422).json
    assert refused["error"]["fields"] == {"password": "use at least 15 characters."}
    # The refusal did not spend the link.
    testapp.post_json("/api/v1/acme/auth/reset-password", {"token": token, "password": GOOD},
                      status=204)
    headers(testapp, "staff@acme.test", GOOD)


def test_the_rules_the_caller_must_meet(testapp, policy_tenant, configure):
    policy_tenant()
    configure(require_digit=True, expire_days=90, history_count=2)
    auth = headers(testapp, "staff@acme.test")
    rules = testapp.get("/api/v1/acme/password-policy", headers=auth).json
    assert rules["min_length"] == 15 and rules["max_length"] == 256
    assert rules["require_digit"] and not rules["require_upper"]
    assert rules["history_count"] == 2 and rules["expire_days"] == 90
    assert rules["expires_at"].endswith("Z")
    assert rules["context_words_refused"] is True and rules["breach_list"] is False
    testapp.get("/api/v1/acme/password-policy", status=401)


def test_a_refusal_is_audited_by_rule_never_with_the_password(testapp, policy_tenant,
                                                              configure, tenant_request):
    policy_tenant()
    configure(require_digit=True)
    auth = headers(testapp, "staff@acme.test")
    change_password(testapp, auth, "passwordpassword", status=422)
    with tenant_request("acme") as request:
        rows = request.tenant_db.execute(text(
            "SELECT outcome, target, details FROM audit_events "
            "WHERE event = 'password_policy.rejected'")).all()
    assert len(rows) == 1
    outcome, target, details = rows[0]
    assert (outcome, target) == ("failure", "staff@acme.test")
    assert "passwordpassword" not in str(details)
    assert "digit" in str(details) and "common" in str(details)


def test_settings_are_checked_per_field(testapp, policy_tenant, enable_plugin, make_tenant):
    make_tenant("globex", "Globex")
    with pytest.raises(PluginSettingsInvalid) as refused:
        enable_plugin("globex", "password_policy", {"min_length": 4, "max_length": 32,
                                                    "history_count": 99})
    assert set(refused.value.fields) == {"min_length", "max_length", "history_count"}
