"""Operators' security keys (WebAuthn, py_webauthn): registering one and signing in with it.

The relying party is the platform's public address, ``praxcloud.base_url``:
its host is the RP ID and its origin the only origin accepted. The Host
header is never used (a client chooses it). Every challenge is kept
server-side, bound to the operator and to the session (registration) or
pending login (sign-in) that asked for it, lives five minutes and is spent
by its first answer, right or wrong, with a conditional UPDATE whose row
count decides: two answers sent at once with one challenge cannot both pass.
The checks themselves are :mod:`..webauthn_ceremony`'s, shared with the
mfa_webauthn plugin; ``KeyRefused`` is its ``WebauthnRefused``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from webauthn import options_to_json
from webauthn.helpers.structs import PublicKeyCredentialDescriptor, ResidentKeyRequirement

from .. import webauthn_ceremony as ceremony
from ..models import Operator, OperatorWebauthnChallenge, OperatorWebauthnKey, utcnow
from ..settings import settings_of
from ..webauthn_ceremony import WebauthnRefused as KeyRefused
from ..webauthn_ceremony import parse_credential_text

log = logging.getLogger(__name__)

PURPOSE_REGISTER = "register"
PURPOSE_LOGIN = "login"
CHALLENGE_LIFETIME = dt.timedelta(minutes=5)
CHALLENGE_RETENTION = dt.timedelta(hours=1)
MAX_KEYS = 10
MAX_NAME = 80
RP_NAME = "PraxCloud platform"
# The platform key operators' user handles are derived from (platform migration 0007).
USER_HANDLE_PURPOSE = "operator-webauthn/user-handle"


@dataclass(frozen=True)
class RelyingParty:
    id: str
    origin: str


def relying_party(settings) -> RelyingParty:
    """The RP ID and origin from ``praxcloud.base_url``; refused when it is not set."""
    site = ceremony.site_of(settings_of(settings).base_url or "")
    if site is None:
        raise KeyRefused("security keys need praxcloud.base_url to be set; ask the platform's "
                         "administrator", "webauthn_unavailable")
    return RelyingParty(*site)


def user_handle(request, operator: Operator) -> bytes:
    """Stable per operator, revealing neither the id nor the e-mail.

    Stable for good: the key is a platform key that never changes (a master key
    rotation only wraps it again), so a passkey registered before still signs in.
    """
    key = request.registry.platform_keys.derive(USER_HANDLE_PURPOSE)
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


def _descriptors(db, operator_id: int) -> list[PublicKeyCredentialDescriptor]:
    return [ceremony.descriptor(row.credential_id, row.transports)
            for row in keys_of(db, operator_id)]


# Challenges ------------------------------------------------------------------

def _store(request, purpose: str, challenge: bytes, operator_id: int, bound_to: int) -> None:
    db = request.dbsession
    now = utcnow()
    db.execute(delete(OperatorWebauthnChallenge).where(
        OperatorWebauthnChallenge.expires_at < now - CHALLENGE_RETENTION))
    db.add(OperatorWebauthnChallenge(
        purpose=purpose, challenge_hash=ceremony.challenge_hash(challenge), challenge=challenge,
        operator_id=operator_id, bound_to=bound_to, created_at=now,
        expires_at=now + CHALLENGE_LIFETIME))
    db.flush()


def _spend(request, purpose: str, credential: dict, operator_id: int, bound_to: int) -> bytes:
    """Spend the challenge the browser signed, if it is this operator's and still open.

    One conditional UPDATE: of any number of answers sent at once with one
    challenge, exactly one changes the row; the others are refused.
    """
    signed = ceremony.signed_challenge(credential)
    if signed is None:
        raise KeyRefused("the security key's answer is malformed", "webauthn_malformed")
    table = OperatorWebauthnChallenge
    spent = request.dbsession.execute(
        update(table)
        .where(table.challenge_hash == ceremony.challenge_hash(signed), table.purpose == purpose,
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
    rp = relying_party(request.registry)
    options = ceremony.registration_options(
        rp_id=rp.id, rp_name=RP_NAME, user_name=operator.email,
        user_id=user_handle(request, operator), user_display_name=operator.email,
        resident_key=ResidentKeyRequirement.DISCOURAGED,
        exclude=_descriptors(request.dbsession, operator.id), timeout=CHALLENGE_LIFETIME)
    _store(request, PURPOSE_REGISTER, options.challenge, operator.id, session_id)
    return options_to_json(options)


def register(request, operator: Operator, session_id: int, name, credential_text
             ) -> OperatorWebauthnKey:
    """Check an attestation against a challenge this session was given; keep the key."""
    name = clean_name(name)
    credential = parse_credential_text(credential_text)
    expected = _spend(request, PURPOSE_REGISTER, credential, operator.id, session_id)
    rp = relying_party(request.registry)
    verified = ceremony.verify_registration(credential, challenge=expected, rp_id=rp.id,
                                            origins=rp.origin, refused=_refused)
    db = request.dbsession
    if db.scalars(select(OperatorWebauthnKey.id).where(
            OperatorWebauthnKey.credential_id == verified.credential_id)).first() is not None:
        raise KeyRefused("this security key is already registered", "webauthn_duplicate")
    if count_of(db, operator.id) >= MAX_KEYS:
        raise KeyRefused(f"at most {MAX_KEYS} security keys per operator", "too_many_keys")
    row = OperatorWebauthnKey(
        operator_id=operator.id, credential_id=verified.credential_id,
        public_key=verified.credential_public_key, sign_count=verified.sign_count,
        transports=ceremony.transports_of(credential), name=name, created_at=utcnow())
    db.add(row)
    db.flush()
    return row


# Sign-in ---------------------------------------------------------------------------

def login_options(request, operator: Operator, pending_id: int) -> str:
    """PublicKeyCredentialRequestOptions (JSON text) for the operator's keys."""
    rp = relying_party(request.registry)
    options = ceremony.authentication_options(
        rp_id=rp.id, allow=_descriptors(request.dbsession, operator.id), require_uv=False,
        timeout=CHALLENGE_LIFETIME)
    _store(request, PURPOSE_LOGIN, options.challenge, operator.id, pending_id)
    return options_to_json(options)


def verify_login(request, operator: Operator, pending_id: int, credential_text) -> None:
    """Check an assertion of one of the operator's keys against this login's challenge."""
    credential = parse_credential_text(credential_text)
    expected = _spend(request, PURPOSE_LOGIN, credential, operator.id, pending_id)
    parsed = ceremony.parse_assertion(credential, _refused)
    db = request.dbsession
    row = db.scalars(select(OperatorWebauthnKey).where(
        OperatorWebauthnKey.credential_id == parsed.raw_id,
        OperatorWebauthnKey.operator_id == operator.id)).first()
    if row is None:
        raise KeyRefused("this security key is not registered for the account",
                         "webauthn_unknown_credential")
    rp = relying_party(request.registry)
    presented = ceremony.verify_assertion(
        parsed, challenge=expected, rp_id=rp.id, origins=rp.origin, public_key=row.public_key,
        require_uv=False, refused=_refused)
    if ceremony.counter_went_backwards(row.sign_count, presented):
        raise KeyRefused(ceremony.CLONE_MESSAGE, "webauthn_clone_suspected")
    row.sign_count = presented
    row.last_used_at = utcnow()


def remove(db, operator: Operator, key_id: int) -> OperatorWebauthnKey | None:
    row = db.scalars(select(OperatorWebauthnKey).where(
        OperatorWebauthnKey.id == key_id, OperatorWebauthnKey.operator_id == operator.id)).first()
    if row is not None:
        db.delete(row)
        db.flush()
    return row
