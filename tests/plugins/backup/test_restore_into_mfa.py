"""``backup restore --tenant T --into NEW`` of a tenant whose staff log in with an authenticator.

The copy is a faithful copy for inspection: it has the source's plugins with
their settings and the source's core settings (who must use a second factor),
and the source's staff log in there with the same password and the same
second factor: a real TOTP code (made by oathtool from the secret the phone
took when enrolling in the source), or a recovery code. The secrets open
because mfa_totp declares its keys ``data_origin_keys``: the copy was given
the source's keys for them, not the source's tenant key. A secret that does
not open refuses the login, with the reason logged: never a way in without
the second factor. On SQLite and PostgreSQL (the ``backend`` fixture).
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from plugins.mfa_totp import service as totp_service
from plugins.mfa_webauthn.service import user_handle
from praxcloud.core.models import AuthSession, PlatformAuditEvent, Tenant, User
from praxcloud.plugin import tenant_key
from praxcloud.testing import PASSWORD, bearer
from tests.plugins.mfa_totp.conftest import STEP, FrozenClock, enrolled

from .test_cli import praxcloud  # noqa: F401 - the CLI fixture

PLUGINS = {"mfa_totp": {"max_failures_per_hour": 7, "clock_skew_detection_minutes": 20},
           "mfa_webauthn": {}}
CORE_SETTINGS = {"mfa_required_groups": ["staff"], "invitation_days": 3}


@pytest.fixture
def phone(monkeypatch) -> FrozenClock:
    """The TOTP service's clock, frozen mid-step; ``phone.code(secret)`` is the app's code."""
    frozen = FrozenClock((int(totp_service.current_time()) // STEP) * STEP + STEP / 2)
    monkeypatch.setattr(totp_service, "current_time", frozen)
    return frozen


@pytest.fixture
def guarded_acme(restic_installed, make_tenant, make_user, registry, target):
    make_tenant("acme", "Acme Care", plugins={"backup": {"target": target}, **PLUGINS})
    make_user("acme", "admin@acme.test", groups=("admin",))
    make_user("acme", "staff@acme.test", groups=("staff",))
    with registry.tenancy.platform_session() as platform_db:
        tenant = platform_db.scalars(select(Tenant).where(Tenant.slug == "acme")).one()
        tenant.settings = {**(tenant.settings or {}), **CORE_SETTINGS}
    return "acme"


def contract(registry, slug: str) -> tuple[dict, dict]:
    """The tenant's plugins with their settings, and its core settings."""
    with registry.tenancy.platform_session() as platform_db:
        tenant = platform_db.scalars(select(Tenant).where(Tenant.slug == slug)).one()
        return ({line.plugin: dict(line.settings or {}) for line in tenant.plugins},
                dict(tenant.settings or {}))


def password_step(testapp, slug: str, email: str = "staff@acme.test") -> dict:
    return testapp.post_json(f"/api/v1/{slug}/auth/login",
                             {"email": email, "password": PASSWORD}).json


def mfa_step(testapp, slug: str, mfa_token: str, code: str, status: int = 200) -> dict:
    return testapp.post_json(f"/api/v1/{slug}/auth/mfa",
                             {"mfa_token": mfa_token, "method": "totp", "code": code},
                             status=status).json


def sessions_of(tenant_request, slug: str, email: str) -> int:
    with tenant_request(slug) as request:
        user = request.tenant_db.scalars(select(User).where(User.email == email)).one()
        return len(request.tenant_db.scalars(
            select(AuthSession).where(AuthSession.user_id == user.id)).all())


def test_the_sources_staff_log_in_to_the_copy_with_the_same_second_factor(
        guarded_acme, praxcloud, registry, testapp, tenant_request, phone):  # noqa: F811
    secret, recovery_codes = enrolled(testapp, phone)
    praxcloud("backup", "run", "--tenant", "acme")
    praxcloud("backup", "restore", "--tenant", "acme", "--into", "copy")

    # The copy's contract and core settings are the source's, as they were at the restore.
    assert contract(registry, "copy") == contract(registry, "acme")
    plugins, settings = contract(registry, "copy")
    assert plugins["mfa_totp"]["max_failures_per_hour"] == 7
    assert settings["mfa_required_groups"] == ["staff"]
    with registry.tenancy.platform_session() as platform_db:
        [details] = platform_db.scalars(select(PlatformAuditEvent.details).where(
            PlatformAuditEvent.event == "tenant.restored_copy")).all()
    assert details["plugin_keys"] == ["mfa_totp", "mfa_totp/recovery-codes",
                                      "mfa_webauthn.user-handle"]

    # The password alone is not enough in the copy: it asks for the app's code ...
    first = password_step(testapp, "copy")
    assert first["mfa_required"] == ["totp"] and "token" not in first
    wrong = str((int(phone.code(secret)) + 1) % 1_000_000).zfill(6)
    refused = mfa_step(testapp, "copy", first["mfa_token"], wrong, status=401)
    assert refused["error"]["code"] == "totp_invalid"
    # ... and the phone's code, made from the secret enrolled in the source, lets the user in.
    done = mfa_step(testapp, "copy", first["mfa_token"], phone.code(secret))
    me = testapp.get("/api/v1/copy/me", headers=bearer(done["token"])).json
    assert me["email"] == "staff@acme.test"
    # A recovery code of the source opens the copy too, once.
    phone.advance(STEP)
    again = password_step(testapp, "copy")
    assert "token" in mfa_step(testapp, "copy", again["mfa_token"], recovery_codes[0])
    spent = mfa_step(testapp, "copy", password_step(testapp, "copy")["mfa_token"],
                     recovery_codes[0], status=401)
    assert spent["error"]["code"] == "recovery_code_invalid"

    # The source is untouched: its staff log in there as before, with the next code.
    phone.advance(STEP)
    source = password_step(testapp, "acme")
    assert "token" in mfa_step(testapp, "acme", source["mfa_token"], phone.code(secret))

    # The keys that follow the data are the source's; the others stay the copy's own.
    with tenant_request("acme") as acme, tenant_request("copy") as copy:
        staff = copy.tenant_db.scalars(select(User).where(
            User.email == "staff@acme.test")).one()
        assert user_handle(copy, staff) == user_handle(acme, staff)
        for purpose in ("mfa_totp", "mfa_totp/recovery-codes", "mfa_webauthn.user-handle"):
            assert tenant_key(copy, purpose) == tenant_key(acme, purpose)
        assert tenant_key(copy, "backup/restic") != tenant_key(acme, "backup/restic")
        assert tenant_key(copy, "mfa_totp/other") != tenant_key(acme, "mfa_totp/other")


def test_a_secret_that_does_not_open_in_the_copy_refuses_the_login(
        guarded_acme, praxcloud, registry, testapp, tenant_request, phone,  # noqa: F811
        caplog):
    secret, _ = enrolled(testapp, phone)
    praxcloud("backup", "run", "--tenant", "acme")
    praxcloud("backup", "restore", "--tenant", "acme", "--into", "copy")
    before = sessions_of(tenant_request, "copy", "staff@acme.test")
    # The copied keys damaged: nothing the copy was given opens any more.
    with registry.tenancy.platform_session() as platform_db:
        copy = platform_db.scalars(select(Tenant).where(Tenant.slug == "copy")).one()
        sealed = bytearray(copy.sealed_codec_keys)
        sealed[-1] ^= 1
        copy.sealed_codec_keys = bytes(sealed)

    first = password_step(testapp, "copy")
    assert first["mfa_required"] == ["totp"] and "token" not in first
    with caplog.at_level(logging.ERROR):
        refused = mfa_step(testapp, "copy", first["mfa_token"], phone.code(secret), status=401)
    assert refused["error"]["code"] == "totp_unavailable"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "tenant copy: the keys copied from its source do not open" in logged
    assert "the secret of user" in logged and "does not open" in logged
    assert sessions_of(tenant_request, "copy", "staff@acme.test") == before

    # Without copied keys at all, the copy's own key does not open the source's secret either.
    with registry.tenancy.platform_session() as platform_db:
        platform_db.scalars(select(Tenant).where(Tenant.slug == "copy")).one() \
            .sealed_codec_keys = None
    first = password_step(testapp, "copy")
    refused = mfa_step(testapp, "copy", first["mfa_token"], phone.code(secret), status=401)
    assert refused["error"]["code"] == "totp_unavailable"
    assert sessions_of(tenant_request, "copy", "staff@acme.test") == before
