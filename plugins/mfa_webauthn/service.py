"""WebAuthn ceremonies around py_webauthn: options out, responses checked, credentials kept.

Every challenge is kept server-side, used once and for a few minutes only:

- registration: a ``webauthn_challenges`` row bound to the user and the
  session that asked, found again by the challenge the browser signed;
- second factor: the login's ``LoginChallenge.data`` (the core's row;
  :mod:`.second_factor`);
- passwordless: a ``webauthn_challenges`` row found by the hash of the
  ``passkey_token`` handed to the client (:mod:`.passkeys`).

Spending a challenge happens in a transaction of its own, before the
response is checked, so a failed attempt (whose request is rolled back)
cannot leave the challenge usable again.

Anything wrong with what a client sent (not JSON, wrong challenge, wrong
origin, bad signature, unknown key) raises :class:`WebauthnRejected`, which
the views turn into a 400 or a form message, never a 500.

The ceremony rules themselves (reading the credential, options, py_webauthn's
checks, the counter's clone check) are the core's
:mod:`praxcloud.plugin.webauthn`, shared with the platform operators'
security keys; ``WebauthnRejected`` is its ``WebauthnRefused``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from webauthn import options_to_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import ResidentKeyRequirement

from praxcloud.plugin import User, second_factor_required, second_factors, tenant_key, utcnow
from praxcloud.plugin import webauthn as ceremony
from praxcloud.plugin.webauthn import MAX_CREDENTIAL_CHARS as MAX_CREDENTIAL_CHARS
from praxcloud.plugin.webauthn import WebauthnRefused as WebauthnRejected
from praxcloud.plugin.webauthn import b64url as b64url
from praxcloud.plugin.webauthn import check_shape as _check_shape
from praxcloud.plugin.webauthn import from_b64url as from_b64url

from .models import PURPOSE_REGISTER, WebauthnChallenge, WebauthnCredential
from .relying_party import relying_party

log = logging.getLogger(__name__)

METHOD = "webauthn"
CHALLENGE_LIFETIME = dt.timedelta(minutes=5)
# Spent and expired challenge rows are deleted once they are this old.
CHALLENGE_RETENTION = dt.timedelta(hours=1)
MAX_NAME = 80
MAX_CREDENTIALS_PER_USER = 20
STATE_KEY = "webauthn"
# The key of the user handles: it follows the data (``data_origin_keys``), so a passkey
# registered in a tenant names its account in a copy restored from its backup too.
USER_HANDLE_PURPOSE = "mfa_webauthn.user-handle"
CLONE_EVENT = "mfa.webauthn.clone_suspected"


@dataclass
class Assertion:
    credential: WebauthnCredential
    new_sign_count: int


_lookup_hash = ceremony.challenge_hash


def user_handle(request, user: User) -> bytes:
    """The WebAuthn user handle: stable per user, revealing neither the id nor the e-mail."""
    key = tenant_key(request, USER_HANDLE_PURPOSE)
    return hmac.new(key, str(user.id).encode("ascii"), hashlib.sha256).digest()


# Credentials -----------------------------------------------------------------

def credentials_of(db, user_id: int) -> list[WebauthnCredential]:
    return list(db.scalars(select(WebauthnCredential)
                           .where(WebauthnCredential.user_id == user_id)
                           .order_by(WebauthnCredential.created_at, WebauthnCredential.id)))


def credential_of(db, user_id: int, credential_pk: int) -> WebauthnCredential | None:
    return db.scalars(select(WebauthnCredential).where(
        WebauthnCredential.id == credential_pk, WebauthnCredential.user_id == user_id)).first()


def count_of(db, user_id: int) -> int:
    return db.scalar(select(func.count()).select_from(WebauthnCredential)
                     .where(WebauthnCredential.user_id == user_id))


def lock_keys_of(db, user_id: int) -> None:
    """Hold the write lock on ``user_id``'s keys until the request's transaction ends.

    An UPDATE of the owner's row that changes nothing: PostgreSQL locks the
    row (a second registration of the same user waits here, then counts the
    first one's key), SQLite takes its database write lock. Portable, unlike
    SELECT ... FOR UPDATE, which SQLite ignores.
    """
    users = User.__table__
    db.execute(update(users).where(users.c.id == user_id).values(is_active=users.c.is_active))


def clean_name(value) -> str:
    """A key's name as given, or raise WebauthnRejected (code ``invalid_name``)."""
    name = value.strip() if isinstance(value, str) else ""
    if not name:
        raise WebauthnRejected("give the security key a name", "invalid_name")
    if len(name) > MAX_NAME:
        raise WebauthnRejected(f"the name is longer than {MAX_NAME} characters", "invalid_name")
    if any(ord(char) < 32 or ord(char) == 127 for char in name):
        raise WebauthnRejected("the name contains control characters", "invalid_name")
    return name


def rename(key: WebauthnCredential, name) -> str:
    """Give ``key`` a new name (checked); return the old one."""
    old, key.name = key.name, clean_name(name)
    return old


def remove(db, key: WebauthnCredential) -> tuple[int, str]:
    """Delete ``key``; return its id and name for the record."""
    gone = (key.id, key.name)
    db.delete(key)
    db.flush()
    return gone


def removal_blocked(request, user: User, key: WebauthnCredential) -> bool:
    """Would removing ``key`` leave a user whom the tenant requires to have a factor without one?"""
    if not second_factor_required(request, user):
        return False
    other_keys = count_of(request.tenant_db, user.id) > 1
    other_methods = set(second_factors(request, user)) - {METHOD}
    return not other_keys and not other_methods


def delete_all(db, user_id: int) -> int:
    return db.execute(delete(WebauthnCredential)
                      .where(WebauthnCredential.user_id == user_id)).rowcount


def _descriptor(row: WebauthnCredential):
    return ceremony.descriptor(row.credential_id, row.transports)


def _options_dict(options) -> dict:
    return json.loads(options_to_json(options))


# Server-side challenges --------------------------------------------------------

def store_challenge(request, purpose: str, lookup_hash: str, challenge: bytes,
                     user_id: int | None = None, session_id: int | None = None) -> None:
    db = request.tenant_db
    now = utcnow()
    db.execute(delete(WebauthnChallenge).where(
        WebauthnChallenge.expires_at < now - CHALLENGE_RETENTION))
    db.add(WebauthnChallenge(purpose=purpose, lookup_hash=lookup_hash, challenge=challenge,
                             user_id=user_id, session_id=session_id, created_at=now,
                             expires_at=now + CHALLENGE_LIFETIME))


def claim_challenge(request, purpose: str, lookup_hash: str, user_id: int | None = None,
           session_id: int | None = None) -> bytes:
    """Spend a stored challenge, committed at once; return its bytes.

    The conditional UPDATE makes two concurrent uses of one challenge
    impossible: only one of them changes the row.
    """
    table = WebauthnChallenge.__table__
    now = utcnow()
    conditions = [table.c.lookup_hash == lookup_hash, table.c.purpose == purpose,
                  table.c.used_at.is_(None), table.c.expires_at > now]
    if user_id is not None:
        conditions += [table.c.user_id == user_id, table.c.session_id == session_id]
    engine = request.registry.tenancy.engine_for(request.tenant)
    with engine.begin() as connection:
        row = connection.execute(select(table.c.id, table.c.challenge).where(*conditions)).first()
        claimed = row is not None and connection.execute(
            update(table).where(table.c.id == row.id, table.c.used_at.is_(None))
            .values(used_at=now)).rowcount == 1
    if not claimed:
        raise WebauthnRejected("this challenge is unknown, expired or already used; start again",
                               "webauthn_challenge_invalid")
    return bytes(row.challenge)


# Checking what the browser sent --------------------------------------------------

def parse_credential_text(text: str) -> dict:
    """The console's ``credential`` form field (JSON text) as a dict."""
    return _check_shape(ceremony.parse_credential_text(text))


def _signed_challenge(credential: dict) -> bytes:
    """The challenge inside clientDataJSON, read only to find the stored one (then verified)."""
    signed = ceremony.signed_challenge(credential)
    if signed is None:
        raise WebauthnRejected("clientDataJSON is malformed", "webauthn_malformed")
    return signed


def _rejected(exc: Exception, action: str) -> WebauthnRejected:
    log.info("WebAuthn %s refused: %r", action, exc)
    if isinstance(exc, WebAuthnException):
        return WebauthnRejected(f"the security key's answer was not accepted: {exc}",
                                "webauthn_invalid")
    return WebauthnRejected("the credential is malformed", "webauthn_malformed")


# Registration ---------------------------------------------------------------------

def registration_options(request, user: User) -> dict:
    """PublicKeyCredentialCreationOptions (JSON) for a new key of the logged-in ``user``."""
    if count_of(request.tenant_db, user.id) >= MAX_CREDENTIALS_PER_USER:
        raise WebauthnRejected(f"at most {MAX_CREDENTIALS_PER_USER} security keys per account",
                               "too_many_keys")
    rp = relying_party(request)
    options = ceremony.registration_options(
        rp_id=rp.id, rp_name=rp.name, user_name=user.email, user_id=user_handle(request, user),
        user_display_name=user.display_name or user.email,
        # Preferred: a key that can be a passkey becomes one, others still register.
        resident_key=ResidentKeyRequirement.PREFERRED,
        exclude=[_descriptor(row) for row in credentials_of(request.tenant_db, user.id)],
        timeout=CHALLENGE_LIFETIME)
    store_challenge(request, PURPOSE_REGISTER, _lookup_hash(options.challenge),
                     options.challenge, user.id, request.praxcloud_identity.session.id)
    return _options_dict(options)


def register(request, user: User, name: str, credential) -> WebauthnCredential:
    """Check an attestation against the challenge this session was given; keep the key."""
    name = clean_name(name)
    credential = _check_shape(credential)
    expected = claim_challenge(request, PURPOSE_REGISTER,
                               _lookup_hash(_signed_challenge(credential)),
                               user.id, request.praxcloud_identity.session.id)
    rp = relying_party(request)
    verified = ceremony.verify_registration(credential, challenge=expected, rp_id=rp.id,
                                            origins=list(rp.origins), refused=_rejected)
    db = request.tenant_db
    # The limit is checked again where the key is stored, under the owner's lock: two
    # registrations begun at 19 keys would otherwise both pass the options' check.
    lock_keys_of(db, user.id)
    if count_of(db, user.id) >= MAX_CREDENTIALS_PER_USER:
        raise WebauthnRejected(f"at most {MAX_CREDENTIALS_PER_USER} security keys per account",
                               "too_many_keys")
    if db.scalars(select(WebauthnCredential.id).where(
            WebauthnCredential.credential_id == verified.credential_id)).first() is not None:
        raise WebauthnRejected("this security key is already registered", "webauthn_duplicate")
    extensions = credential.get("clientExtensionResults")
    cred_props = extensions.get("credProps") if isinstance(extensions, dict) else None
    resident = cred_props.get("rk") if isinstance(cred_props, dict) else None
    row = WebauthnCredential(
        user_id=user.id, credential_id=verified.credential_id,
        public_key=verified.credential_public_key, sign_count=verified.sign_count,
        transports=ceremony.transports_of(credential), name=name,
        discoverable=resident if isinstance(resident, bool) else None,
        aaguid=verified.aaguid, created_at=utcnow())
    db.add(row)
    db.flush()
    return row


# Authentication ---------------------------------------------------------------------

def authentication_options(request, credentials: list[WebauthnCredential] | None,
                           require_uv: bool) -> tuple[dict, bytes]:
    rp = relying_party(request)
    options = ceremony.authentication_options(
        rp_id=rp.id, allow=[_descriptor(row) for row in credentials or ()],
        require_uv=require_uv, timeout=CHALLENGE_LIFETIME)
    return _options_dict(options), options.challenge


def verify_assertion(request, credential, expected_challenge: bytes, *,
                     user_id: int | None = None, passwordless: bool = False) -> Assertion:
    """Check an assertion; return the credential and its new counter (not stored yet).

    ``user_id`` limits the keys to one user's (second factor). Passwordless
    logins require user verification and a matching user handle. A counter
    that did not go up means a copied key: audited (durably) and refused.
    """
    credential = _check_shape(credential)
    parsed = ceremony.parse_assertion(credential, _rejected)
    db = request.tenant_db
    row = db.scalars(select(WebauthnCredential).where(
        WebauthnCredential.credential_id == parsed.raw_id)).first()
    if row is None or (user_id is not None and row.user_id != user_id):
        raise WebauthnRejected("this security key is not registered for the account",
                               "webauthn_unknown_credential")
    owner = db.get(User, row.user_id)
    handle = parsed.response.user_handle
    # A discoverable credential names its account by the user handle: required, and it
    # must be the handle this tenant gave the key's owner.
    if passwordless and (not handle or not hmac.compare_digest(
            bytes(handle), user_handle(request, owner))):
        raise WebauthnRejected("the passkey does not name its account (user handle)"
                               if not handle else "the passkey does not belong to its account",
                               "webauthn_unknown_credential")
    rp = relying_party(request)
    presented = ceremony.verify_assertion(
        parsed, challenge=expected_challenge, rp_id=rp.id, origins=list(rp.origins),
        public_key=row.public_key, require_uv=passwordless, refused=_rejected)
    stored = row.sign_count or 0
    if ceremony.counter_went_backwards(stored, presented):
        request.audit.record(
            CLONE_EVENT, outcome="failure", target=owner.email, durable=True,
            details={"credential": row.id, "name": row.name, "stored_count": stored,
                     "presented_count": presented})
        raise WebauthnRejected(ceremony.CLONE_MESSAGE, "webauthn_clone_suspected")
    return Assertion(row, presented)


def record_use(assertion: Assertion) -> None:
    assertion.credential.sign_count = assertion.new_sign_count
    assertion.credential.last_used_at = utcnow()
