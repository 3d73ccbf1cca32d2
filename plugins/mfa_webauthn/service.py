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
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import parse_authentication_credential_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from praxcloud.core.auth import second_factors
from praxcloud.core.mfa import is_required
from praxcloud.core.models import User, utcnow

from .models import PURPOSE_REGISTER, WebauthnChallenge, WebauthnCredential
from .relying_party import relying_party

log = logging.getLogger(__name__)

METHOD = "webauthn"
CHALLENGE_LIFETIME = dt.timedelta(minutes=5)
# Spent and expired challenge rows are deleted once they are this old.
CHALLENGE_RETENTION = dt.timedelta(hours=1)
MAX_NAME = 80
MAX_CREDENTIALS_PER_USER = 20
# Far above any real attestation (a few KiB); bounds the parsing work.
MAX_CREDENTIAL_CHARS = 64 * 1024
STATE_KEY = "webauthn"
CLONE_EVENT = "mfa.webauthn.clone_suspected"
KNOWN_TRANSPORTS = frozenset(t.value for t in AuthenticatorTransport)


class WebauthnRejected(Exception):
    """What the client sent is not accepted; ``message`` is safe to show."""

    def __init__(self, message: str, code: str = "webauthn_invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class Assertion:
    credential: WebauthnCredential
    new_sign_count: int


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def from_b64url(text: str) -> bytes:
    if not isinstance(text, str) or not text.isascii():
        raise ValueError("not base64url text")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _lookup_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def user_handle(request, user: User) -> bytes:
    """The WebAuthn user handle: stable per user, revealing neither the id nor the e-mail."""
    key = request.registry.tenancy.derive_key(request.tenant, "mfa_webauthn.user-handle")
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
    if not is_required(request, user):
        return False
    other_keys = count_of(request.tenant_db, user.id) > 1
    other_methods = set(second_factors(request, user)) - {METHOD}
    return not other_keys and not other_methods


def delete_all(db, user_id: int) -> int:
    return db.execute(delete(WebauthnCredential)
                      .where(WebauthnCredential.user_id == user_id)).rowcount


def _descriptor(row: WebauthnCredential) -> PublicKeyCredentialDescriptor:
    transports = [AuthenticatorTransport(t) for t in (row.transports or ())
                  if t in KNOWN_TRANSPORTS]
    return PublicKeyCredentialDescriptor(id=bytes(row.credential_id), transports=transports or None)


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

def _check_shape(credential) -> dict:
    if not isinstance(credential, dict):
        raise WebauthnRejected("the credential must be a JSON object", "webauthn_malformed")
    try:
        size = len(json.dumps(credential))
    except (TypeError, ValueError, RecursionError):
        raise WebauthnRejected("the credential is malformed", "webauthn_malformed") from None
    if size > MAX_CREDENTIAL_CHARS:
        raise WebauthnRejected("the credential is too large", "webauthn_malformed")
    return credential


def parse_credential_text(text: str) -> dict:
    """The console's ``credential`` form field (JSON text) as a dict."""
    if not isinstance(text, str) or not text.strip():
        raise WebauthnRejected("use your security key first", "webauthn_missing")
    if len(text) > MAX_CREDENTIAL_CHARS:
        raise WebauthnRejected("the credential is too large", "webauthn_malformed")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested too deeply
        raise WebauthnRejected("the credential is not valid JSON", "webauthn_malformed") from None
    return _check_shape(value)


def _signed_challenge(credential: dict) -> bytes:
    """The challenge inside clientDataJSON, read only to find the stored one (then verified)."""
    try:
        client_data = json.loads(from_b64url(credential["response"]["clientDataJSON"]))
        return from_b64url(client_data["challenge"])
    except (KeyError, TypeError, ValueError, RecursionError, binascii.Error):
        raise WebauthnRejected("clientDataJSON is malformed", "webauthn_malformed") from None


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
    options = generate_registration_options(
        rp_id=rp.id, rp_name=rp.name, user_name=user.email, user_id=user_handle(request, user),
        user_display_name=user.display_name or user.email,
        timeout=int(CHALLENGE_LIFETIME.total_seconds() * 1000),
        attestation=AttestationConveyancePreference.NONE,
        # Preferred: a key that can be a passkey becomes one, others still register.
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED),
        exclude_credentials=[_descriptor(row) for row in credentials_of(request.tenant_db,
                                                                         user.id)],
    )
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
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=expected, expected_rp_id=rp.id,
            expected_origin=list(rp.origins))
    except Exception as exc:  # fail closed: whatever the library trips over is a refusal
        raise _rejected(exc, "registration") from None
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
    response = credential.get("response") or {}
    transports = [t for t in (response.get("transports") or ())
                  if isinstance(t, str) and t in KNOWN_TRANSPORTS] if isinstance(
                      response.get("transports"), list) else []
    extensions = credential.get("clientExtensionResults")
    cred_props = extensions.get("credProps") if isinstance(extensions, dict) else None
    resident = cred_props.get("rk") if isinstance(cred_props, dict) else None
    row = WebauthnCredential(
        user_id=user.id, credential_id=verified.credential_id,
        public_key=verified.credential_public_key, sign_count=verified.sign_count,
        transports=sorted(set(transports)), name=name,
        discoverable=resident if isinstance(resident, bool) else None,
        aaguid=verified.aaguid, created_at=utcnow())
    db.add(row)
    db.flush()
    return row


# Authentication ---------------------------------------------------------------------

def authentication_options(request, credentials: list[WebauthnCredential] | None,
                           require_uv: bool) -> tuple[dict, bytes]:
    rp = relying_party(request)
    options = generate_authentication_options(
        rp_id=rp.id, timeout=int(CHALLENGE_LIFETIME.total_seconds() * 1000),
        allow_credentials=[_descriptor(row) for row in credentials or ()],
        user_verification=(UserVerificationRequirement.REQUIRED if require_uv
                           else UserVerificationRequirement.PREFERRED))
    return _options_dict(options), options.challenge


def verify_assertion(request, credential, expected_challenge: bytes, *,
                     user_id: int | None = None, passwordless: bool = False) -> Assertion:
    """Check an assertion; return the credential and its new counter (not stored yet).

    ``user_id`` limits the keys to one user's (second factor). Passwordless
    logins require user verification and a matching user handle. A counter
    that did not go up means a copied key: audited (durably) and refused.
    """
    credential = _check_shape(credential)
    try:
        parsed = parse_authentication_credential_json(credential)
    except Exception as exc:
        raise _rejected(exc, "assertion parsing") from None
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
    try:
        # The counter is compared below, after the signature is known to be right,
        # so that only a genuine key's counter can raise the clone alarm.
        verified = verify_authentication_response(
            credential=parsed, expected_challenge=expected_challenge, expected_rp_id=rp.id,
            expected_origin=list(rp.origins), credential_public_key=bytes(row.public_key),
            credential_current_sign_count=0, require_user_verification=passwordless)
    except Exception as exc:
        raise _rejected(exc, "assertion") from None
    stored, presented = row.sign_count or 0, verified.new_sign_count
    if (stored or presented) and presented <= stored:
        request.audit.record(
            CLONE_EVENT, outcome="failure", target=owner.email, durable=True,
            details={"credential": row.id, "name": row.name, "stored_count": stored,
                     "presented_count": presented})
        raise WebauthnRejected("this security key's counter went backwards, so it may have been "
                               "copied; it was refused", "webauthn_clone_suspected")
    return Assertion(row, presented)


def record_use(assertion: Assertion) -> None:
    assertion.credential.sign_count = assertion.new_sign_count
    assertion.credential.last_used_at = utcnow()
