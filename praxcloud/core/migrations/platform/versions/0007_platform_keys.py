"""platform_keys: the platform's own keys, wrapped by the master key; operators' secrets moved

Before, operators' TOTP secrets were sealed under a key derived from the
master key itself, and their passkeys' user handles derived from it too: a
master key rotation broke both once the previous master key left the
settings. Now a random 'secrets' key seals them and a 'derive/...' key gives
the user handles; the master key only wraps those (praxcloud.core.platform_keys).

This revision needs the master keys (praxcloud.core.migrations.upgrade_platform
hands the process's keyring over; `praxcloud db upgrade` does) when there is
something to move:
- every sealed TOTP secret (active or being set up) is opened with the key
  derived from the current master key, or from a previous one, and sealed
  again under the new secrets key; a value none opens (already unusable:
  its master key was removed) is left as it is, so that factor still refuses
  codes and `praxcloud operator reset-second-factors` remains the way back;
- if any passkey is registered, the user-handle key is the one the handles
  were derived from so far (from the current master key), so every handle
  stays the same; otherwise a random key.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 15:30:00
"""
import logging

import sqlalchemy as sa
from alembic import context, op

import praxcloud.core.models.types
from praxcloud.core.crypto import KeyError_, generate_key, hkdf, seal, unseal
from praxcloud.core.models.types import utcnow
from praxcloud.core.platform_keys import (
    DERIVE_PREFIX,
    SECRETS,
    key_context,
    seal_with,
    sealed_version,
    unseal_with,
)

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

# Both as praxcloud.core.operator_mfa had them when this revision was written.
USER_HANDLE = DERIVE_PREFIX + "operator-webauthn/user-handle"
LEGACY_USER_HANDLE_PURPOSE = "praxcloud/platform/operator-webauthn/user-handle"

platform_keys = sa.table(
    'platform_keys', sa.column('id', sa.Integer), sa.column('purpose', sa.String),
    sa.column('version', sa.Integer), sa.column('state', sa.String),
    sa.column('wrapped', sa.LargeBinary),
    sa.column('created_at', praxcloud.core.models.types.UTCDateTime))
operator_totp = sa.table(
    'operator_totp', sa.column('id', sa.Integer), sa.column('operator_id', sa.Integer),
    sa.column('secret', sa.LargeBinary), sa.column('pending_secret', sa.LargeBinary))
operator_webauthn_keys = sa.table('operator_webauthn_keys', sa.column('id', sa.Integer))


def _totp_context(operator_id: int) -> str:
    return f"operator-totp/secret/operator:{operator_id}"


def _keyring(needed_for: str):
    keyring = context.config.attributes.get("keyring")
    if keyring is None:
        raise RuntimeError(
            f"platform migration 0007 {needed_for} and needs the master key: run it with "
            "`praxcloud db upgrade` (or upgrade_platform(engine, keyring))")
    return keyring


def _sealed_rows(bind):
    return bind.execute(sa.select(
        operator_totp.c.id, operator_totp.c.operator_id, operator_totp.c.secret,
        operator_totp.c.pending_secret).where(sa.or_(
            operator_totp.c.secret.is_not(None), operator_totp.c.pending_secret.is_not(None)
        ))).all()


def _add_key(bind, keyring, purpose: str, key: bytes) -> None:
    bind.execute(platform_keys.insert().values(
        purpose=purpose, version=1, state='active', created_at=utcnow(),
        wrapped=keyring.wrap_platform_key(key, key_context(purpose, 1))))


def upgrade() -> None:
    op.create_table(
        'platform_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=80), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('wrapped', sa.LargeBinary(), nullable=True),
        sa.Column('created_at', praxcloud.core.models.types.UTCDateTime(), nullable=False),
        sa.Column('retired_at', praxcloud.core.models.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_keys')),
        sa.UniqueConstraint('purpose', 'version', name=op.f('uq_platform_keys_purpose')),
    )
    bind = op.get_bind()
    rows = _sealed_rows(bind)
    passkeys = bind.scalar(sa.select(sa.func.count()).select_from(operator_webauthn_keys))
    keyring = context.config.attributes.get("keyring")
    if not rows and not passkeys and keyring is None:
        # Nothing to move: the keys are made at first use (platform_keys.create_first).
        return
    keyring = _keyring("seals operators' TOTP secrets again" if rows
                       else "keeps operators' passkey user handles")
    legacy = keyring.legacy_platform_keys()
    secrets_key = generate_key()
    _add_key(bind, keyring, SECRETS, secrets_key)
    _add_key(bind, keyring, USER_HANDLE,
             hkdf(legacy[0], LEGACY_USER_HANDLE_PURPOSE) if passkeys else generate_key())
    for row in rows:
        values = {}
        for column in ('secret', 'pending_secret'):
            sealed = getattr(row, column)
            if sealed is None:
                continue
            plain = _open_legacy(legacy, bytes(sealed), _totp_context(row.operator_id))
            if plain is None:
                log.warning("operator %s: the TOTP %s opens with no master key this process "
                            "knows; left as it is (reset the operator's second factors)",
                            row.operator_id, column)
                continue
            values[column] = seal_with(secrets_key, 1, plain, _totp_context(row.operator_id))
        if values:
            bind.execute(operator_totp.update().where(operator_totp.c.id == row.id)
                         .values(**values))


def _open_legacy(keys: list[bytes], sealed: bytes, context_text: str) -> bytes | None:
    for key in keys:
        try:
            return unseal(key, sealed, context_text.encode())
        except KeyError_:
            continue
    return None


def downgrade() -> None:
    bind = op.get_bind()
    rows = _sealed_rows(bind)
    if rows:
        # Sealed again as before: under the key derived from the current master key.
        keyring = _keyring("seals operators' TOTP secrets back under the master key")
        legacy = keyring.legacy_platform_keys()[0]
        wrapped = dict(bind.execute(sa.select(platform_keys.c.version, platform_keys.c.wrapped)
                                    .where(platform_keys.c.purpose == SECRETS)).all())
        for row in rows:
            values = {}
            for column in ('secret', 'pending_secret'):
                sealed = getattr(row, column)
                if sealed is None:
                    continue
                sealed = bytes(sealed)
                version = sealed_version(sealed)
                key = keyring.open_platform_key(wrapped[version], key_context(SECRETS, version))
                plain = unseal_with(key, sealed, _totp_context(row.operator_id))
                values[column] = seal(legacy, plain, _totp_context(row.operator_id).encode())
            if values:
                bind.execute(operator_totp.update().where(operator_totp.c.id == row.id)
                             .values(**values))
    op.drop_table('platform_keys')
