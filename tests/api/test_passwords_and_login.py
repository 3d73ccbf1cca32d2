"""Passwords and login answers (C6, C9): Argon2id, upgrades, one answer for every failure."""

from __future__ import annotations

import base64
import json
import logging

from passlib.hash import bcrypt, pbkdf2_sha256
from sqlalchemy import select

from praxcloud.core.models import AuditEvent, AuthSession, User
from praxcloud.testing import PASSWORD, api_login, bearer
from tests.api.conftest import audit_events, login, tenant_db
from tests.api.samples import NEW_PASSWORD

LOGIN = "/api/v1/acme/auth/login"


def stored_hash(registry, email: str) -> str:
    with tenant_db(registry, "acme") as db:
        return db.scalars(select(User.password_hash).where(User.email == email)).one()


def set_hash(registry, email: str, value: str) -> None:
    with tenant_db(registry, "acme") as db:
        db.scalars(select(User).where(User.email == email)).one().password_hash = value


def test_passwords_are_stored_as_argon2id(testapp, tenant, registry):
    value = stored_hash(registry, "staff@acme.test")
    assert value.startswith("$argon2id$")
    assert PASSWORD not in value


def test_old_hashes_log_in_and_are_upgraded_to_argon2id(testapp, tenant, registry):
    long_password = "ü" * 50  # 100 bytes: more than bcrypt ever looked at
    cheap_bcrypt = bcrypt.using(rounds=4)
    cases = [(pbkdf2_sha256.using(rounds=1000).hash(PASSWORD), PASSWORD),
             (cheap_bcrypt.hash(PASSWORD), PASSWORD),
             # A bcrypt hash made by a library that silently used the first 72 bytes.
             (cheap_bcrypt.hash(long_password.encode()[:72]), long_password)]
    for old_hash, password in cases:
        set_hash(registry, "staff@acme.test", old_hash)
        testapp.post_json(LOGIN, {"email": "staff@acme.test", "password": "wrong password"},
                          status=401)
        assert stored_hash(registry, "staff@acme.test") == old_hash  # a failure upgrades nothing
        api_login(testapp, "acme", "staff@acme.test", password)
        upgraded = stored_hash(registry, "staff@acme.test")
        assert upgraded.startswith("$argon2id$"), old_hash
        api_login(testapp, "acme", "staff@acme.test", password)


def test_unverifiable_stored_values_are_a_failed_login_not_a_500(testapp, tenant, registry):
    for value in ("", "!", "not-a-hash", "$2b$12$short"):
        set_hash(registry, "staff@acme.test", value)
        testapp.post_json(LOGIN, {"email": "staff@acme.test", "password": PASSWORD}, status=401)
    set_hash(registry, "staff@acme.test", bcrypt.using(rounds=4).hash(PASSWORD))
    for password in ("x" * 1024, "with\tcontrol\x01chars"):
        testapp.post_json(LOGIN, {"email": "staff@acme.test", "password": password}, status=401)


def test_login_answers_alike_for_unknown_wrong_and_deactivated(testapp, tenant, registry):
    with tenant_db(registry, "acme") as db:
        db.scalars(select(User).where(User.email == "reader@acme.test")).one().is_active = False
    attempts = [("ghost@acme.test", "whatever pass"), ("staff@acme.test", "wrong password"),
                ("reader@acme.test", PASSWORD), ("reader@acme.test", "wrong password"),
                ("", "x"), ("STAFF@acme.test", "wrong password")]
    answers = []
    for address, password in attempts:
        answer = testapp.post_json(LOGIN, {"email": address, "password": password},
                                   status="*")
        answers.append((answer.status_int, answer.body,
                        sorted(k for k in answer.headers if k.lower() != "content-length")))
    known = [a for (address, _), a in zip(attempts, answers, strict=True) if address]
    assert len(set(map(repr, known))) == 1
    assert known[0][0] == 401
    assert json.loads(known[0][1])["error"]["code"] == "invalid_credentials"
    with tenant_db(registry, "acme") as db:
        assert db.scalar(select(AuthSession.id)) is None
    failures = [e for e in audit_events(registry, "acme", "login") if e.outcome == "failure"]
    assert [e.target for e in failures] == [a for a, _ in attempts if a]
    assert {e.details["reason"] for e in failures} == {"invalid_credentials"}
    assert all(e.actor is None for e in failures)


def test_tokens_are_long_random_and_only_hashed(testapp, tenant, registry):
    tokens = [api_login(testapp, "acme", "staff@acme.test") for _ in range(3)]
    assert len(set(tokens)) == 3
    for token in tokens:
        # The tenant's slug, then the secret: the slug only says whose it is.
        slug, dot, secret = token.partition(".")
        assert (slug, dot) == ("acme", ".")
        raw = base64.urlsafe_b64decode(secret + "=" * (-len(secret) % 4))
        assert len(raw) * 8 >= 256
    with tenant_db(registry, "acme") as db:
        rows = list(db.scalars(select(AuthSession)))
    import hashlib

    assert sorted(r.token_hash for r in rows) == sorted(
        hashlib.sha256(t.encode()).hexdigest() for t in tokens)
    for row in rows:
        for value in vars(row).values():
            assert not any(token in str(value) for token in tokens)


def test_secrets_never_reach_the_audit_trail_or_the_logs(testapp, tenant, registry, caplog):
    caplog.set_level(logging.DEBUG)
    secrets = [PASSWORD, NEW_PASSWORD, "wrong password 1"]
    testapp.post_json(LOGIN, {"email": "staff@acme.test", "password": "wrong password 1"},
                      status=401)
    token = api_login(testapp, "acme", "staff@acme.test")
    secrets.append(token)
    headers = bearer(token)
    testapp.post_json("/api/v1/acme/me/password",
                      {"current_password": "wrong password 1", "new_password": NEW_PASSWORD},
                      headers=headers, status=403)
    testapp.post_json("/api/v1/acme/me/password",
                      {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
                      headers=headers, status=204)
    testapp.post_json("/api/v1/acme/auth/forgot-password", {"email": "staff@acme.test"},
                      status=202)
    from tests.api.test_password_reset import mails, reset_token_from

    reset_token = reset_token_from(mails(registry)[0])
    secrets.append(reset_token)
    testapp.post_json("/api/v1/acme/auth/reset-password",
                      {"token": reset_token, "password": "reset to this one 5"}, status=204)
    secrets.append("reset to this one 5")
    testapp.post("/api/v1/acme/auth/logout", headers=headers, status=401)  # ended by the reset
    fresh = login(testapp, "acme", "staff@acme.test", "reset to this one 5")
    secrets.append(fresh["Authorization"].split()[1])
    testapp.post("/api/v1/acme/auth/logout", headers=fresh, status=204)

    with tenant_db(registry, "acme") as db:
        trail = json.dumps([[e.event, e.outcome, e.actor, e.target, e.details]
                            for e in db.scalars(select(AuditEvent))])
    for secret in secrets:
        assert secret not in trail
        assert secret not in caplog.text
    events = [(e.event, e.outcome) for e in audit_events(registry, "acme")]
    for expected in [("login", "failure"), ("login", "success"), ("password.change", "failure"),
                     ("password.change", "success"), ("password.reset_request", "success"),
                     ("password.reset", "success"), ("logout", "success")]:
        assert expected in events


def test_failed_logins_are_audited_durably(testapp, tenant, registry):
    for _ in range(2):
        testapp.post_json(LOGIN, {"email": "staff@acme.test", "password": "nope nope"},
                          status=401)
    failures = [e for e in audit_events(registry, "acme", "login") if e.outcome == "failure"]
    assert len(failures) == 2
    assert all(e.ip == "127.0.0.1" for e in failures)


def test_suspended_tenant_refuses_tokens_and_logins(testapp, tenant, registry):
    from praxcloud.core.provisioning import set_status

    headers = login(testapp, "acme", "staff@acme.test")
    set_status(registry.tenancy, "acme", "suspended")
    for url in ("/api/v1/acme/me", "/api/v1/acme/records", "/api/v1/acme/sessions"):
        answer = testapp.get(url, headers=headers, status=403).json
        assert answer["error"]["code"] == "tenant_suspended"
    answer = testapp.post_json(LOGIN, {"email": "staff@acme.test", "password": PASSWORD},
                               status=403).json
    assert answer["error"]["code"] == "tenant_suspended"
    testapp.post_json("/api/v1/acme/auth/forgot-password", {"email": "staff@acme.test"},
                      status=403)
    set_status(registry.tenancy, "acme", "active")
    testapp.get("/api/v1/acme/me", headers=headers)
