"""A token, a reset link or an mfa_token of tenant A is worth nothing at tenant B (C1, C4).

For every operation of the API: A's token against B's slug, with B's ids and
with A's ids, is refused with 401 (B's database does not know the token) and
B's data is unchanged; A's token at A's slug with ids only B has is a 404,
and no answer ever carries B's data.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from praxcloud.core.auth import start_challenge
from praxcloud.core.models import KIND_API, AuthSession, PasswordReset, Record, User, utcnow
from praxcloud.core.scripting import tenant_request
from praxcloud.core.tokens import hash_token, new_token
from praxcloud.testing import PASSWORD
from tests.api.conftest import login, table_counts, tenant_db
from tests.api.samples import SECURED, UNSECURED, call


def snapshot(registry, slug: str) -> str:
    """Everything of a tenant a request could change, as comparable text."""
    with tenant_db(registry, slug) as db:
        records = [(r.id, r.name, r.email, r.notes, r.fields, str(r.updated_at))
                   for r in db.scalars(select(Record).order_by(Record.id))]
        users = [(u.id, u.email, u.display_name, u.password_hash, u.is_active, u.group_names,
                  str(u.password_changed_at)) for u in db.scalars(select(User).order_by(User.id))]
        sessions = [(s.id, str(s.revoked_at)) for s in
                    db.scalars(select(AuthSession).order_by(AuthSession.id))]
        resets = [(r.id, str(r.used_at)) for r in db.scalars(select(PasswordReset))]
    return json.dumps([records, users, sessions, resets, table_counts(registry, slug)],
                      default=str)


def ids_of(registry, slug: str) -> dict[str, list[int]]:
    with tenant_db(registry, slug) as db:
        return {"records": list(db.scalars(select(Record.id))),
                "users": list(db.scalars(select(User.id))),
                "sessions": list(db.scalars(select(AuthSession.id)))}


def test_a_token_of_acme_is_unknown_at_beta_on_every_secured_route(testapp, two_tenants,
                                                                    registry):
    acme_admin = login(testapp, "acme", "admin@acme.test")
    login(testapp, "beta", "admin@beta.test")  # beta has live sessions of its own
    beta_ids, acme_ids = ids_of(registry, "beta"), ids_of(registry, "acme")
    before = snapshot(registry, "beta")
    tried = 0
    for op in SECURED:
        kind = "sessions" if "sessions/{id}" in op.template else (
            "users" if "/users" in op.template else "records")
        for id_ in sorted(set(beta_ids[kind] + acme_ids[kind]))[:6] if op.has_id else [None]:
            answer = call(testapp, op, op.url("beta", id_), acme_admin, status=401)
            assert answer.json["error"]["code"] == "unauthorized", op
            tried += 1
    assert tried >= len(SECURED)
    assert snapshot(registry, "beta") == before
    # And the token still works where it belongs.
    assert testapp.get("/api/v1/acme/me", headers=acme_admin).json["email"] == "admin@acme.test"


def test_acme_ids_only_beta_has_are_404_and_nothing_of_beta_leaks(testapp, two_tenants,
                                                                  registry):
    acme_admin = login(testapp, "acme", "admin@acme.test")
    beta_only = sorted(set(two_tenants["beta"]) - set(two_tenants["acme"]))
    assert beta_only, "the fixture must give beta record ids acme does not have"
    acme_before = snapshot(registry, "acme")
    for record_id in beta_only:
        url = f"/api/v1/acme/records/{record_id}"
        testapp.get(url, headers=acme_admin, status=404)
        testapp.patch_json(url, {"name": "Hijacked"}, headers=acme_admin, status=404)
        testapp.delete(url, headers=acme_admin, status=404)
    # Everything acme's admin can list or read is acme's, never beta's.
    bodies = [testapp.get("/api/v1/acme/records", {"per_page": 200}, headers=acme_admin).body,
              testapp.get("/api/v1/acme/users", headers=acme_admin).body,
              testapp.get("/api/v1/acme/sessions", headers=acme_admin).body,
              testapp.get("/api/v1/acme/me", headers=acme_admin).body]
    for record_id in two_tenants["acme"]:
        bodies.append(testapp.get(f"/api/v1/acme/records/{record_id}", headers=acme_admin).body)
    for body in bodies:
        assert b"beta" not in body and b"Bea " not in body
    with tenant_db(registry, "beta") as db:
        beta_sessions = list(db.scalars(select(AuthSession.id)))
    acme_sessions = ids_of(registry, "acme")["sessions"]
    for session_id in set(beta_sessions) - set(acme_sessions):
        testapp.delete(f"/api/v1/acme/sessions/{session_id}", headers=acme_admin, status=404)
    assert snapshot(registry, "acme") == acme_before
    assert [r["name"] for r in testapp.get("/api/v1/beta/records", headers=login(
        testapp, "beta", "reader@beta.test")).json["items"]] == sorted(
        ["Bea One", "Bea Two", "Bea Three", "Bea Four"])


def test_unauthenticated_routes_do_not_cross_tenants(testapp, two_tenants, registry):
    ops = {op.op_id for op in UNSECURED}
    assert ops == {"login", "loginMfa", "forgotPassword", "resetPassword"}
    before = snapshot(registry, "beta")

    # acme's credentials at beta.
    answer = testapp.post_json("/api/v1/beta/auth/login",
                               {"email": "staff@acme.test", "password": PASSWORD}, status=401)
    assert answer.json["error"]["code"] == "invalid_credentials"

    # acme's mfa_token at beta.
    with tenant_request(registry, "acme") as request:
        user = request.tenant_db.scalars(select(User).where(User.email == "staff@acme.test")).one()
        mfa_token = start_challenge(request, user, ["totp"], KIND_API)
    answer = testapp.post_json("/api/v1/beta/auth/mfa",
                               {"mfa_token": mfa_token, "method": "totp", "code": "123456"},
                               status=401)
    assert answer.json["error"]["code"] == "mfa_token_invalid"

    # acme's reset link at beta.
    reset_token = new_token()
    with tenant_request(registry, "acme") as request:
        user = request.tenant_db.scalars(select(User).where(User.email == "staff@acme.test")).one()
        request.tenant_db.add(PasswordReset(token_hash=hash_token(reset_token), user_id=user.id,
                                            expires_at=utcnow().replace(year=2100)))
    answer = testapp.post_json("/api/v1/beta/auth/reset-password",
                               {"token": reset_token, "password": "another passphrase 9"},
                               status=400)
    assert answer.json["error"]["code"] == "reset_token_invalid"

    # A forgot-password at beta for an acme address mails nothing and stores nothing.
    testapp.post_json("/api/v1/beta/auth/forgot-password", {"email": "staff@acme.test"},
                      status=202)
    assert snapshot(registry, "beta") == before
    mail_dir = registry.settings["mail.top_level_directory"]
    import pathlib

    assert not list(pathlib.Path(mail_dir).rglob("*.eml"))
