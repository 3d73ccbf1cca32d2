"""Operators' authenticator apps: set-up, the second step, replay, removal, forced enrolment."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import replace

import pytest
from sqlalchemy import select

from praxcloud.core.models import OperatorPendingLogin, OperatorTotp, Tenant, utcnow
from praxcloud.core.security import OPERATOR_COOKIE
from praxcloud.core.settings import install_settings, settings_of

from ..conftest import OPERATOR_EMAIL, OPERATOR_PASSWORD, csrf_of, operator_login
from ..test_auth import platform_events
from .support import (
    STEP,
    client,
    enrol_totp,
    password_step,
    second_step,
)


def logged_out(testapp) -> None:
    testapp.post("/platform/logout", {"csrf_token": csrf_of(testapp.get("/platform/tenants"))})
    testapp.reset()


def test_setting_up_an_app_then_logging_in_asks_for_its_code(operator, registry, clock, backend):
    page = operator.get("/platform/account/security")
    assert "No authenticator app is set up." in page.text
    operator.post("/platform/account/security/totp", {"csrf_token": csrf_of(page)}, status=303)
    enrol = operator.get("/platform/account/security/totp")
    assert enrol.headers["Cache-Control"] == "no-store"
    qr = operator.get("/platform/account/security/totp/qr")
    assert qr.content_type == "image/png" and qr.body.startswith(b"\x89PNG")
    assert qr.headers["Cache-Control"] == "no-store"
    operator.reset()
    operator_login(operator)
    secret = enrol_totp(operator, clock)
    with registry.tenancy.platform_session() as db:
        row = db.scalars(select(OperatorTotp)).one()
        # Sealed at rest: the secret is not in the row.
        assert row.active and secret.encode() not in bytes(row.secret)
    logged_out(operator)

    password_step(operator)
    # No session for the password alone.
    assert OPERATOR_COOKIE not in operator.cookies
    assert operator.get("/platform/tenants").status_int == 303
    done = second_step(operator, {"method": "totp", "code": clock.code(secret)})
    assert done.location == "http://localhost/platform/tenants"
    assert operator.get("/platform/tenants").status_int == 200
    events = [(e.event, e.outcome, e.details) for e in platform_events(registry)
              if e.event.startswith("operator.")]
    assert ("operator.totp_confirm", "success", {}) in events
    assert events[-1] == ("operator.login", "success", {"method": "totp"})


def test_a_wrong_code_is_refused_and_audited(testapp, make_operator, registry, clock, backend):
    make_operator()
    operator_login(testapp)
    secret = enrol_totp(testapp, clock)
    logged_out(testapp)
    password_step(testapp)
    right = clock.code(secret)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    refused = second_step(testapp, {"method": "totp", "code": wrong}, status=401)
    assert "That code is not right." in refused.text
    assert OPERATOR_COOKIE not in testapp.cookies
    [failure] = platform_events(registry, "operator.login_second_factor")
    assert (failure.outcome, failure.details) == ("failure", {"method": "totp",
                                                              "reason": "totp_invalid"})
    # The pending login survives a wrong code; the right one still works.
    second_step(testapp, {"method": "totp", "code": right})
    assert testapp.get("/platform/tenants").status_int == 200


def test_a_code_works_once(testapp, app, make_operator, clock, backend):
    make_operator()
    operator_login(testapp)
    secret = enrol_totp(testapp, clock)
    logged_out(testapp)
    code = clock.code(secret)
    password_step(testapp)
    second_step(testapp, {"method": "totp", "code": code})
    # Someone who saw the code types it in another browser, within its 30 seconds.
    other = client(app)
    password_step(other)
    replayed = second_step(other, {"method": "totp", "code": code}, status=401)
    assert "already been used" in replayed.text
    # An older code than the last one used never works either.
    assert second_step(other, {"method": "totp", "code": clock.code(secret, -1)},
                       status=401).status_int == 401
    clock.advance(STEP)
    second_step(other, {"method": "totp", "code": clock.code(secret)})


def test_a_pending_login_expires_and_is_not_a_session(testapp, make_operator, registry, clock):
    make_operator()
    operator_login(testapp)
    secret = enrol_totp(testapp, clock)
    logged_out(testapp)
    password_step(testapp)
    with registry.tenancy.platform_session() as db:
        for row in db.scalars(select(OperatorPendingLogin)):
            row.expires_at = utcnow() - dt.timedelta(seconds=1)
    late = second_step_without_page(testapp, clock.code(secret))
    assert late.status_int == 409 and "Please log in again." in late.text
    assert OPERATOR_COOKIE not in testapp.cookies


def second_step_without_page(testapp, code):
    token = csrf_of(testapp.get("/platform/login"))
    return testapp.post("/platform/login/second-factor",
                        {"csrf_token": token, "method": "totp", "code": code}, status="*")


def test_removing_the_app_needs_the_password(operator, registry, clock, backend):
    enrol_totp(operator, clock)
    page = operator.get("/platform/account/security")
    refused = operator.post("/platform/account/security/totp/remove",
                            {"csrf_token": csrf_of(page), "password": "not my password"},
                            status=422)
    assert "That password is not right." in refused.text
    with registry.tenancy.platform_session() as db:
        assert db.scalars(select(OperatorTotp)).one().active
    operator.post("/platform/account/security/totp/remove",
                  {"csrf_token": csrf_of(page), "password": OPERATOR_PASSWORD}, status=303)
    with registry.tenancy.platform_session() as db:
        assert db.scalars(select(OperatorTotp)).first() is None
    events = [(e.event, e.outcome) for e in platform_events(registry)]
    assert ("operator.factor_remove", "failure") in events
    assert ("operator.totp_remove", "success") in events


# Forced enrolment ----------------------------------------------------------------------

@pytest.fixture
def required(registry):
    install_settings(registry, replace(settings_of(registry), operator_mfa_required=True))
    return registry


def test_without_a_factor_an_operator_is_held_on_the_enrolment_page(
        testapp, make_operator, required, tenant, clock, backend):
    make_operator()
    first = operator_login(testapp)
    assert first.location == "http://localhost/platform/account/security"
    page = testapp.get("/platform/account/security")
    assert 'id="enrolment-required"' in page.text
    for path in ("/platform/", "/platform/tenants", "/platform/tenants/acme",
                 "/platform/plugins", "/platform/audit"):
        assert testapp.get(path, status=303).location == \
            "http://localhost/platform/account/security", path
    # A change is not made either: it is sent to the enrolment page too.
    token = csrf_of(page)
    testapp.post("/platform/tenants/acme/status", {"csrf_token": token, "status": "suspended"},
                 status=303)
    with required.tenancy.platform_session() as db:
        assert db.scalars(select(Tenant.status).where(Tenant.slug == "acme")).one() == "active"
    enrol_totp(testapp, clock)
    assert testapp.get("/platform/tenants").status_int == 200


def test_the_last_factor_stays_where_factors_are_required(operator, required, clock, registry):
    # The fixture's operator logged in before the requirement: held now all the same.
    assert operator.get("/platform/tenants", status=303).location.endswith("/account/security")
    enrol_totp(operator, clock)
    page = operator.get("/platform/account/security")
    refused = operator.post("/platform/account/security/totp/remove",
                            {"csrf_token": csrf_of(page), "password": OPERATOR_PASSWORD},
                            status=409)
    assert "add another one before you remove this one" in refused.text
    with registry.tenancy.platform_session() as db:
        assert db.scalars(select(OperatorTotp)).one().active


def test_without_the_requirement_an_operator_needs_no_factor(operator):
    assert operator.get("/platform/tenants").status_int == 200


def test_the_login_email_is_case_insensitive_for_the_second_step(testapp, make_operator, clock):
    make_operator()
    operator_login(testapp)
    secret = enrol_totp(testapp, clock)
    logged_out(testapp)
    password_step(testapp, email=OPERATOR_EMAIL.upper())
    second_step(testapp, {"method": "totp", "code": clock.code(secret)})
    assert testapp.get("/platform/tenants").status_int == 200


def test_one_code_sent_at_once_on_several_pending_logins_logs_in_once(
        app, testapp, make_operator, clock, backend):
    make_operator()
    operator_login(testapp)
    secret = enrol_totp(testapp, clock)
    code = clock.code(secret)
    browsers = []
    for _ in range(5):
        browser = client(app)
        password_step(browser)
        browsers.append((browser, csrf_of(browser.get("/platform/login/second-factor"))))
    barrier = threading.Barrier(len(browsers))
    statuses: list[int] = []

    def send(browser, token):
        barrier.wait()
        statuses.append(browser.post("/platform/login/second-factor", {
            "csrf_token": token, "method": "totp", "code": code}, status="*").status_int)

    threads = [threading.Thread(target=send, args=pair) for pair in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # Each browser has its own pending login: the others find the code's step spent.
    assert sorted(statuses) == [303, 401, 401, 401, 401], statuses
    assert sum(OPERATOR_COOKIE in browser.cookies for browser, _ in browsers) == 1
