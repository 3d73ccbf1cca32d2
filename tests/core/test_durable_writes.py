"""What a failed request must leave behind is written whatever the request wrote first.

A plugin that writes to the tenant database and then refuses holds the
request's lock (SQLite: the database; PostgreSQL: the row it changed). The
core's durable writes (the failure counter of a login challenge, the audit
of the refusal) must neither wait on that lock nor be lost with the
request's rollback, and what the plugin wrote is rolled back.
"""

from __future__ import annotations

from sqlalchemy import select, update

from praxcloud.core.auth import LoginRefused, SecondFactorFailed
from praxcloud.core.hookspecs import hookimpl
from praxcloud.core.models import LoginChallenge, User
from praxcloud.testing import PASSWORD
from tests.api.conftest import audit_events, tenant_db
from tests.concurrency import within

# Far below SQLite's 30-second busy timeout; the request itself takes well under a second.
PATIENCE = 10


class WritesThenRefusesTheCode:
    """A second factor whose check notes the attempt on the login challenge, then says no."""

    @hookimpl
    def praxcloud_second_factors(self, request, user):
        return ["notedcode"]

    @hookimpl
    def praxcloud_verify_second_factor(self, request, user, method, payload, challenge):
        if method != "notedcode":
            return None
        challenge.data = {**(challenge.data or {}), "noted": payload.get("code")}
        request.tenant_db.flush()
        raise SecondFactorFailed("that code is not right")


class WritesThenRefusesTheLogin:
    """A pre-authentication veto that writes (a note on the user) before refusing."""

    @hookimpl
    def praxcloud_pre_authenticate(self, request, login):
        request.tenant_db.execute(update(User).where(User.email == login)
                                  .values(display_name="noted by the veto"))
        return LoginRefused("not now", retry_after=60)


def test_a_second_factor_that_writes_then_refuses_is_counted_and_audited(
        testapp, registry, tenant, backend):
    registry.plugin_host.register_builtin(WritesThenRefusesTheCode(), "test.noted_code")
    mfa_token = testapp.post_json("/api/v1/acme/auth/login", {
        "email": "staff@acme.test", "password": PASSWORD}).json["mfa_token"]

    answer = within(PATIENCE, lambda: testapp.post_json(
        "/api/v1/acme/auth/mfa", {"mfa_token": mfa_token, "method": "notedcode", "code": "1"},
        status="*"))

    assert answer.status_int == 401, answer.body
    with tenant_db(registry, "acme") as db:
        challenge = db.scalars(select(LoginChallenge)).one()
        assert challenge.failures == 1
        assert "noted" not in (challenge.data or {})  # the plugin's write was rolled back
    assert [(e.outcome, e.details["method"]) for e in audit_events(registry, "acme",
                                                                  "mfa.verify")] == [
        ("failure", "notedcode")]


def test_a_veto_that_writes_then_refuses_is_audited(testapp, registry, tenant, backend):
    registry.plugin_host.register_builtin(WritesThenRefusesTheLogin(), "test.noted_veto")

    answer = within(PATIENCE, lambda: testapp.post_json(
        "/api/v1/acme/auth/login", {"email": "staff@acme.test", "password": PASSWORD},
        status="*"))

    assert answer.status_int == 429, answer.body
    assert [e.details["reason"] for e in audit_events(registry, "acme", "login")] == ["refused"]
    with tenant_db(registry, "acme") as db:
        assert db.scalars(select(User.display_name).where(
            User.email == "staff@acme.test")).one() != "noted by the veto"
