"""Operators confirm their password before contract changes, suspending or deleting a tenant.

Before this, a stale operator's session could switch off a tenant's MFA
plugin, suspend or delete the tenant; and step-up refused operators
outright, with no way for them to confirm.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import func, select, update

from praxcloud.core.models import Operator, OperatorSession, utcnow
from praxcloud.core.settings import install_settings, settings_of
from praxcloud.core.stepup import MAX_REAUTH_FAILURES, REAUTH_WINDOW

from .conftest import OPERATOR_PASSWORD, csrf_of

STALE = REAUTH_WINDOW + dt.timedelta(minutes=1)


def age_operator_sessions(registry, by: dt.timedelta = STALE) -> None:
    then = utcnow() - by
    with registry.tenancy.platform_session() as db:
        db.execute(update(Operator).values(password_changed_at=then - dt.timedelta(seconds=1)))
        db.execute(update(OperatorSession).values(created_at=then))


def test_a_stale_operator_confirms_before_suspending_a_tenant(operator, registry, tenant):
    page = operator.get("/platform/tenants/acme")
    age_operator_sessions(registry)
    asked = operator.post("/platform/tenants/acme/status",
                          {"csrf_token": csrf_of(page), "status": "suspended"},
                          headers={"Referer": "http://localhost/platform/tenants/acme"},
                          status=303)
    assert asked.location.endswith("/platform/confirm?next=%2Fplatform%2Ftenants%2Facme")
    with registry.tenancy.platform_session() as db:
        assert registry.tenancy.find(db, "acme").is_active

    confirm = asked.follow()
    wrong = operator.post("/platform/confirm", {"csrf_token": csrf_of(confirm),
                                                "password": "not it",
                                                "next": "/platform/tenants/acme"}, status=422)
    assert "This is not your password." in wrong.text
    back = operator.post("/platform/confirm", {"csrf_token": csrf_of(wrong),
                                               "password": OPERATOR_PASSWORD,
                                               "next": "/platform/tenants/acme"}, status=303)
    assert back.location.endswith("/platform/tenants/acme")
    page = back.follow()
    operator.post("/platform/tenants/acme/status",
                  {"csrf_token": csrf_of(page), "status": "suspended"}, status=303)
    with registry.tenancy.platform_session() as db:
        assert not registry.tenancy.find(db, "acme").is_active


@pytest.mark.parametrize("url, fields", [
    ("/platform/tenants/acme/delete", {"confirm": "acme"}),
    ("/platform/tenants/acme/plugins", {"action": "enable", "plugin": "mfa_totp"}),
])
def test_a_stale_operator_cannot_delete_or_change_a_contract(operator, registry, tenant,
                                                             url, fields):
    token = csrf_of(operator.get("/platform/tenants/acme"))
    age_operator_sessions(registry)
    asked = operator.post(url, {"csrf_token": token, **fields}, status=303)
    assert "/platform/confirm" in asked.location
    with registry.tenancy.platform_session() as db:
        found = registry.tenancy.find(db, "acme")
        assert found is not None and not found.enabled_plugins


def test_five_wrong_operator_passwords_end_the_session(operator, registry, tenant):
    age_operator_sessions(registry)
    page = operator.get("/platform/confirm")
    token = csrf_of(page)
    for attempt in range(1, MAX_REAUTH_FAILURES):
        operator.post("/platform/confirm", {"csrf_token": token, "password": f"guess {attempt}"},
                      status=422)
    ended = operator.post("/platform/confirm", {"csrf_token": token, "password": "last guess"},
                          status=303)
    assert ended.location.endswith("/platform/login")
    # The session is over: even the right password later needs a new login.
    assert "/platform/login" in operator.get("/platform/tenants", status=303).location
    with registry.tenancy.platform_session() as db:
        assert db.scalar(select(func.count()).select_from(OperatorSession)
                         .where(OperatorSession.revoked_at.is_(None))) == 0


def test_a_stale_operator_confirms_before_changing_factors_even_while_held_on_enrolment(
        operator, registry):
    install_settings(registry, replace(settings_of(registry), operator_mfa_required=True))
    page = operator.get("/platform/account/security")
    age_operator_sessions(registry)
    asked = operator.post("/platform/account/security/totp", {"csrf_token": csrf_of(page)},
                          headers={"Referer": "http://localhost/platform/account/security"},
                          status=303)
    assert asked.location.endswith("/platform/confirm?next=%2Fplatform%2Faccount%2Fsecurity")
    # The confirm page is not swallowed by the enrolment hold.
    confirm = asked.follow(status=200)
    back = operator.post("/platform/confirm", {"csrf_token": csrf_of(confirm),
                                               "password": OPERATOR_PASSWORD,
                                               "next": "/platform/account/security"}, status=303)
    page = back.follow()
    started = operator.post("/platform/account/security/totp", {"csrf_token": csrf_of(page)},
                            status=303)
    assert started.location.endswith("/platform/account/security/totp")
