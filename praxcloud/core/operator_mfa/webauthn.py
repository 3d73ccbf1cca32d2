"""Operators' security keys (WebAuthn, py_webauthn): registering one and signing in with it.

The relying party is the platform's public address, ``praxcloud.base_url``:
its host is the RP ID and its origin the only origin accepted. The Host
header is never used (a client chooses it). Every challenge is kept
server-side, bound to the operator and to the session (registration) or
pending login (sign-in) that asked for it, lives five minutes and is spent
by its first answer, right or wrong, with a conditional UPDATE whose row
count decides: two answers sent at once with one challenge cannot both pass.
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
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select, update
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import parse_authentication_credential_json
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from ..models import Operator, OperatorWebauthnChallenge, OperatorWebauthnKey, utcnow

log = logging.getLogger(__name__)

PURPOSE_REGISTER = "register"
PURPOSE_LOGIN = "login"
CHALLENGE_LIFETIME = dt.timedelta(minutes=5)
CHALLENGE_RETENTION = dt.timedelta(hours=1)
MAX_KEYS = 10
MAX_NAME = 80
MAX_CREDENTIAL_CHARS = 64 * 1024
RP_NAME = "PraxCloud platform"
KNOWN_TRANSPORTS = frozenset(t.value for t in AuthenticatorTransport)


class KeyRefused(Exception):
    """What the browser sent is not accepted; ``message`` is safe to show."""

    def __init__(self, message: str, code: str = "webauthn_invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class RelyingParty:
    id: str
    origin: str


def relying_party(settings) -> RelyingParty:
    """The RP ID and origin from ``praxcloud.base_url``; refused when it is not set."""
    base = str(settings.get("praxcloud.base_url") or "").strip()
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise KeyRefused("security keys need praxcloud.base_url to be set; ask the platform's "
                         "administrator", "webauthn_unavailable")
    return RelyingParty(parts.hostname, f"{parts.scheme}://{parts.netloc}")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _from_b64url(text) -> bytes:
    if not isinstance(text, str) or not text.isascii():
        raise ValueError("not base64url text")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def user_handle(request, operator: Operator) -> bytes:
    """Stable per operator, revealing neither the id nor the e-mail."""
    key = request.registry.keyring.derive_platform_key("operator-webauthn/user-handle")
    return hmac.new(key, str(operator.id).encode("ascii"), hashlib.sha256).digest()


def keys_of(db, operator_id: int) -> list[OperatorWebauthnKey]:
    return list(db.scalars(select(OperatorWebauthnKey)
                           .where(OperatorWebauthnKey.operator_id == operator_id)
                           .order_by(OperatorWebauthnKey.created_at, OperatorWebauthnKey.id)))


def count_of(db, operator_id: int) -> int:
    return db.scalar(select(func.count()).select_from(OperatorWebauthnKey)
                     .where(OperatorWebauthnKey.operator_id == operator_id))


def clean_name(value) -> str:
    name = value.strip() if isinstance(value, str) else ""
    if not name:
        raise KeyRefused("give the security key a name", "invalid_name")
    if len(name) > MAX_NAME:
        raise KeyRefused(f"the name is longer than {MAX_NAME} characters", "invalid_name")
    if any(ord(char) < 32 or 127 <= ord(char) < 160 for char in name):
        raise KeyRefused("the name contains control characters", "invalid_name")
    return name


def parse_credential(text) -> dict:
    """The form's ``credential`` field (JSON text written by webauthn.js) as a dict."""
    if not isinstance(text, str) or not text.strip():
        raise KeyRefused("use your security key first", "webauthn_missing")
    if len(text) > MAX_CREDENTIAL_CHARS:
        raise KeyRefused("the credential is too large", "webauthn_malformed")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise KeyRefused("the credential is not valid JSON", "webauthn_malformed") from None
    if not isinstance(value, dict):
        raise KeyRefused("the credential must be a JSON object", "webauthn_malformed")
    return value


def _descriptor(row: OperatorWebauthnKey) -> PublicKeyCredentialDescriptor:
    transports = [AuthenticatorTransport(t) for t in (row.transports or ())
                  if t in KNOWN_TRANSPORTS]
    return PublicKeyCredentialDescriptor(id=bytes(row.credential_id), transports=transports or None)


# Challenges ------------------------------------------------------------------

def _store(request, purpose: str, challenge: bytes, operator_id: int, bound_to: int) -> None:
    db = request.dbsession
    now = utcnow()
    db.execute(delete(OperatorWebauthnChallenge).where(
        OperatorWebauthnChallenge.expires_at < now - CHALLENGE_RETENTION))
    db.add(OperatorWebauthnChallenge(
        purpose=purpose, challenge_hash=_hash(challenge), challenge=challenge,
        operator_id=operator_id, bound_to=bound_to, created_at=now,
        expires_at=now + CHALLENGE_LIFETIME))
    db.flush()


def _spend(request, purpose: str, credential: dict, operator_id: int, bound_to: int) -> bytes:
    """Spend the challenge the browser signed, if it is this operator's and still open.

    One conditional UPDATE: of any number of answers sent at once with one
    challenge, exactly one changes the row; the others are refused.
    """
    try:
        client_data = json.loads(_from_b64url(credential["response"]["clientDataJSON"]))
        signed = _from_b64url(client_data["challenge"])
    except (KeyError, TypeError, ValueError, RecursionError, binascii.Error):
        raise KeyRefused("the security key's answer is malformed", "webauthn_malformed") from None
    table = OperatorWebauthnChallenge
    spent = request.dbsession.execute(
        update(table)
        .where(table.challenge_hash == _hash(signed), table.purpose == purpose,
               table.operator_id == operator_id, table.bound_to == bound_to,
               table.used_at.is_(None), table.expires_at > utcnow())
        .values(used_at=utcnow()).execution_options(synchronize_session=False))
    if spent.rowcount != 1:
        raise KeyRefused("this challenge is unknown, expired or already used; try again",
                         "webauthn_challenge_invalid")
    return signed


def _refused(exc: Exception, action: str) -> KeyRefused:
    log.info("operator WebAuthn %s refused: %r", action, exc)
    return KeyRefused("the security key's answer was not accepted", "webauthn_invalid")


# Registration -------------------------------------------------------------------

def registration_options(request, operator: Operator, session_id: int) -> str:
    """PublicKeyCredentialCreationOptions as JSON text, for webauthn.js."""
    if count_of(request.dbsession, operator.id) >= MAX_KEYS:
        raise KeyRefused(f"at most {MAX_KEYS} security keys per operator", "too_many_keys")
    rp = relying_party(request.registry.settings)
    options = generate_registration_options(
        rp_id=rp.id, rp_name=RP_NAME, user_name=operator.email,
        user_id=user_handle(request, operator), user_display_name=operator.email,
        timeout=int(CHALLENGE_LIFETIME.total_seconds() * 1000),
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.PREFERRED),
        exclude_credentials=[_descriptor(row) for row in keys_of(request.dbsession,
                                                                 operator.id)])
    _store(request, PURPOSE_REGISTER, options.challenge, operator.id, session_id)
    return options_to_json(options)


def register(request, operator: Operator, session_id: int, name, credential_text
             ) -> OperatorWebauthnKey:
    """Check an attestation against a challenge this session was given; keep the key."""
    name = clean_name(name)
    credential = parse_credential(credential_text)
    expected = _spend(request, PURPOSE_REGISTER, credential, operator.id, session_id)
    rp = relying_party(request.registry.settings)
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=expected, expected_rp_id=rp.id,
            expected_origin=rp.origin)
    except Exception as exc:  # fail closed: whatever the library trips over is a refusal
        raise _refused(exc, "registration") from None
    db = request.dbsession
    if db.scalars(select(OperatorWebauthnKey.id).where(
            OperatorWebauthnKey.credential_id == verified.credential_id)).first() is not None:
        raise KeyRefused("this security key is already registered", "webauthn_duplicate")
    if count_of(db, operator.id) >= MAX_KEYS:
        raise KeyRefused(f"at most {MAX_KEYS} security keys per operator", "too_many_keys")
    response = credential.get("response") or {}
    transports = response.get("transports") if isinstance(response, dict) else None
    row = OperatorWebauthnKey(
        operator_id=operator.id, credential_id=verified.credential_id,
        public_key=verified.credential_public_key, sign_count=verified.sign_count,
        transports=sorted({t for t in transports if isinstance(t, str) and t in KNOWN_TRANSPORTS})
        if isinstance(transports, list) else [],
        name=name, created_at=utcnow())
    db.add(row)
    db.flush()
    return row


# Sign-in ---------------------------------------------------------------------------

def login_options(request, operator: Operator, pending_id: int) -> str:
    """PublicKeyCredentialRequestOptions (JSON text) for the operator's keys."""
    rp = relying_party(request.registry.settings)
    options = generate_authentication_options(
        rp_id=rp.id, timeout=int(CHALLENGE_LIFETIME.total_seconds() * 1000),
        allow_credentials=[_descriptor(row) for row in keys_of(request.dbsession, operator.id)],
        user_verification=UserVerificationRequirement.PREFERRED)
    _store(request, PURPOSE_LOGIN, options.challenge, operator.id, pending_id)
    return options_to_json(options)


def verify_login(request, operator: Operator, pending_id: int, credential_text) -> None:
    """Check an assertion of one of the operator's keys against this login's challenge."""
    credential = parse_credential(credential_text)
    expected = _spend(request, PURPOSE_LOGIN, credential, operator.id, pending_id)
    try:
        parsed = parse_authentication_credential_json(credential)
    except Exception as exc:
        raise _refused(exc, "assertion parsing") from None
    db = request.dbsession
    row = db.scalars(select(OperatorWebauthnKey).where(
        OperatorWebauthnKey.credential_id == parsed.raw_id,
        OperatorWebauthnKey.operator_id == operator.id)).first()
    if row is None:
        raise KeyRefused("this security key is not registered for the account",
                         "webauthn_unknown_credential")
    rp = relying_party(request.registry.settings)
    try:
        verified = verify_authentication_response(
            credential=parsed, expected_challenge=expected, expected_rp_id=rp.id,
            expected_origin=rp.origin, credential_public_key=bytes(row.public_key),
            credential_current_sign_count=0, require_user_verification=False)
    except Exception as exc:
        raise _refused(exc, "assertion") from None
    stored, presented = row.sign_count or 0, verified.new_sign_count
    if (stored or presented) and presented <= stored:
        # A counter that did not go up: a copied key.
        raise KeyRefused("this security key's counter went backwards, so it may have been "
                         "copied; it was refused", "webauthn_clone_suspected")
    row.sign_count = presented
    row.last_used_at = utcnow()


def remove(db, operator: Operator, key_id: int) -> OperatorWebauthnKey | None:
    row = db.scalars(select(OperatorWebauthnKey).where(
        OperatorWebauthnKey.id == key_id, OperatorWebauthnKey.operator_id == operator.id)).first()
    if row is not None:
        db.delete(row)
        db.flush()
    return row
