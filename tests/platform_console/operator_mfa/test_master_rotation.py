"""Operators' factors outlive a master key rotation, and platform migration 0007 moves old ones.

An operator sets up an authenticator app and a passkey; the master key is
rotated (``rewrap_master`` with the old key still known), the old key then
leaves the settings, and the operator still signs in with either factor,
the passkey's user handle unchanged. Codes come from ``oathtool``.
"""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from alembic import command
from sqlalchemy import create_engine, select

from praxcloud.core import key_rotation
from praxcloud.core.crypto import decode_key, encode_key, generate_key, hkdf, seal, unseal
from praxcloud.core.migrations import PLATFORM_DIR, _config, upgrade_platform
from praxcloud.core.models import Operator, OperatorTotp, OperatorWebauthnKey, PlatformKey, utcnow
from praxcloud.core.passwords import make_context
from praxcloud.core.totp import new_secret
from praxcloud.testing.app import build_app
from tests.plugins.mfa_webauthn.conftest import Key, unb64url

from ..conftest import OPERATOR_PASSWORD
from .support import client, data_options, enrol_totp, password_step, second_step
from .test_webauthn import add_key, key_answer

LEGACY = "praxcloud/platform-secrets/v1"


def registration_user_handle(testapp) -> bytes:
    options = json.loads(data_options(testapp.get("/platform/account/security/keys/new")))
    return unb64url(options["user"]["id"])


def sign_in_with_code(app, clock, secret: str) -> None:
    browser = client(app)
    password_step(browser)
    done = second_step(browser, {"method": "totp", "code": clock.code(secret)})
    assert done.location == "http://localhost/platform/tenants"
    assert browser.get("/platform/tenants").status_int == 200
    return browser


def sign_in_with_key(app, key: Key):
    browser = client(app)
    password_step(browser)
    token, answer = key_answer(browser, key)
    done = browser.post("/platform/login/second-factor", {
        "csrf_token": token, "method": "webauthn", "credential": json.dumps(answer)}, status=303)
    assert done.location == "http://localhost/platform/tenants"
    return browser


def rotated(settings: dict) -> tuple[dict, dict]:
    """Settings with a new master key "2" and the old one as previous; and with the new alone."""
    new = encode_key(generate_key())
    both = {**settings, "praxcloud.master_key": new, "praxcloud.master_key_id": "2",
            "praxcloud.previous_master_keys": "1:" + settings["praxcloud.master_key"]}
    only_new = {**settings, "praxcloud.master_key": new, "praxcloud.master_key_id": "2"}
    return both, only_new


def test_factors_work_after_the_master_key_rotated_and_the_old_one_left(
        app, operator, registry, settings, clock, backend):
    secret = enrol_totp(operator, clock)
    key = add_key(operator)
    handle = key.user_handle
    assert handle == registration_user_handle(operator)

    both, only_new = rotated(settings)
    during = build_app(both)
    try:
        counts = key_rotation.rewrap_master(during.registry)
    finally:
        during.registry.tenancy.dispose()
    # The secrets key and the user-handle key; no tenant exists here.
    assert counts == {"tenant_keys": 0, "data_keys": 0, "platform_keys": 2}

    after = build_app(only_new)
    try:
        clock.advance(30)
        sign_in_with_code(after, clock, secret)
        browser = sign_in_with_key(after, key)
        # New registrations get the same user handle as the passkey has.
        assert registration_user_handle(browser) == handle
        with after.registry.tenancy.platform_session() as db:
            wrapped = [row.wrapped for row in db.scalars(select(PlatformKey))]
        assert wrapped and all(after.registry.keyring.is_current(w) for w in wrapped)
    finally:
        after.registry.tenancy.dispose()
    # The old master key alone opens nothing any more: the codes are refused, closed.
    old_only = build_app(settings)
    try:
        browser = client(old_only)
        password_step(browser)
        clock.advance(30)
        refused = second_step(browser, {"method": "totp", "code": clock.code(secret)},
                              status="*")
        assert refused.status_int == 401
        assert "Codes cannot be checked right now." in refused.text
    finally:
        old_only.registry.tenancy.dispose()


def test_a_sealed_secret_moved_to_another_operator_does_not_open(
        operator, registry, make_operator, clock, backend):
    enrol_totp(operator, clock)
    other = make_operator("other@praxcloud.test")
    keys = registry.platform_keys
    with registry.tenancy.platform_session() as db:
        sealed = db.scalars(select(OperatorTotp.secret)).one()
        owner = db.scalars(select(OperatorTotp.operator_id)).one()
    assert keys.unseal(sealed, f"operator-totp/secret/operator:{owner}")
    with pytest.raises(Exception, match="does not open"):
        keys.unseal(sealed, f"operator-totp/secret/operator:{other}")


# Platform migration 0007 -------------------------------------------------------------
def legacy_database(settings: dict) -> tuple[int, str, str]:
    """A platform database at 0006 with an operator whose factors are sealed the old way.

    Returns the operator id, its active TOTP secret and the one being set up.
    """
    engine = create_engine(settings["praxcloud.platform_db_url"])
    try:
        cfg = _config(PLATFORM_DIR, [str(PLATFORM_DIR / "versions")])
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "0006")
        legacy = hkdf(decode_key(settings["praxcloud.master_key"]), LEGACY)
        active, pending = new_secret(), new_secret()
        with engine.begin() as connection:
            operator_id = connection.execute(Operator.__table__.insert().values(
                email="ops@praxcloud.test", is_active=True,
                password_hash=make_context(settings).hash(OPERATOR_PASSWORD))
            ).inserted_primary_key[0]
            context = f"operator-totp/secret/operator:{operator_id}".encode()
            connection.execute(OperatorTotp.__table__.insert().values(
                operator_id=operator_id, secret=seal(legacy, active.encode(), context),
                confirmed_at=utcnow(), pending_secret=seal(legacy, pending.encode(), context),
                pending_since=utcnow(), created_at=utcnow()))
            connection.execute(OperatorWebauthnKey.__table__.insert().values(
                operator_id=operator_id, credential_id=b"registered before 0007",
                public_key=b"unused", sign_count=0, transports=[], name="Old key",
                created_at=utcnow()))
        return operator_id, active, pending
    finally:
        engine.dispose()


def test_migration_0007_moves_totp_secrets_and_keeps_the_user_handle(settings, clock, backend):
    operator_id, active, pending = legacy_database(settings)
    legacy = hkdf(decode_key(settings["praxcloud.master_key"]), LEGACY)
    # What webauthn.user_handle gave before 0007: HMAC under a key derived from the master key.
    legacy_handle = hmac.new(hkdf(legacy, "praxcloud/platform/operator-webauthn/user-handle"),
                             str(operator_id).encode("ascii"), hashlib.sha256).digest()
    app = build_app(settings)
    try:
        registry = app.registry
        context = f"operator-totp/secret/operator:{operator_id}"
        with registry.tenancy.platform_session() as db:
            row = db.scalars(select(OperatorTotp)).one()
            for sealed, plain in ((row.secret, active), (row.pending_secret, pending)):
                assert sealed[:1] == b"\x02"
                assert registry.platform_keys.unseal(sealed, context) == plain.encode()
                with pytest.raises(Exception, match="does not open"):
                    unseal(legacy, sealed[5:], context.encode())
        browser = sign_in_with_code(app, clock, active)
        assert registration_user_handle(browser) == legacy_handle
    finally:
        app.registry.tenancy.dispose()


def test_migration_0007_without_the_master_key_refuses(settings, backend):
    legacy_database(settings)
    engine = create_engine(settings["praxcloud.platform_db_url"])
    try:
        with pytest.raises(RuntimeError, match="needs the master key"):
            upgrade_platform(engine)
    finally:
        engine.dispose()


def test_a_fresh_platform_gets_random_keys(registry, backend):
    keyring = registry.keyring
    with registry.tenancy.platform_session() as db:
        rows = {row.purpose: row for row in db.scalars(select(PlatformKey))}
    assert set(rows) == {"secrets", "derive/operator-webauthn/user-handle"}
    handle_key = registry.platform_keys.derive("operator-webauthn/user-handle")
    # Not the old derivation from the master key.
    assert handle_key != hkdf(keyring.legacy_platform_keys()[0],
                              "praxcloud/platform/operator-webauthn/user-handle")
    assert len(handle_key) == 32 and rows["secrets"].version == 1


def test_keys_are_made_at_first_use_when_the_migration_had_no_master_key(settings, backend):
    engine = create_engine(settings["praxcloud.platform_db_url"])
    try:
        # Nothing to move: 0007 runs without the master key and makes no key.
        upgrade_platform(engine)
    finally:
        engine.dispose()
    app = build_app(settings)
    try:
        registry = app.registry
        with registry.tenancy.platform_session() as db:
            assert db.scalars(select(PlatformKey)).first() is None
        sealed = registry.platform_keys.seal(b"a secret", "test/context")
        assert sealed[:1] == b"\x02" and b"a secret" not in sealed
        assert registry.platform_keys.unseal(sealed, "test/context") == b"a secret"
        with registry.tenancy.platform_session() as db:
            assert [(row.purpose, row.version, row.state)
                    for row in db.scalars(select(PlatformKey))] == [("secrets", 1, "active")]
    finally:
        app.registry.tenancy.dispose()


def test_migration_0007_downgrade_seals_back_under_the_master_key(settings, backend):
    operator_id, active, pending = legacy_database(settings)
    app = build_app(settings)
    app.registry.tenancy.dispose()
    legacy = hkdf(decode_key(settings["praxcloud.master_key"]), LEGACY)
    context = f"operator-totp/secret/operator:{operator_id}".encode()
    engine = create_engine(settings["praxcloud.platform_db_url"])
    try:
        cfg = _config(PLATFORM_DIR, [str(PLATFORM_DIR / "versions")])
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            cfg.attributes["keyring"] = app.registry.keyring
            command.downgrade(cfg, "0006")
        with engine.connect() as connection:
            row = connection.execute(select(OperatorTotp.__table__)).mappings().one()
        assert unseal(legacy, row["secret"], context) == active.encode()
        assert unseal(legacy, row["pending_secret"], context) == pending.encode()
    finally:
        engine.dispose()
