"""WebAuthn ceremonies around py_webauthn: the rules, without storage.

The mfa_webauthn plugin (tenant users) and the operators' security keys
(:mod:`.operator_mfa.webauthn`) both check what a browser sent with these
functions; each keeps its own keys and challenges, picks its relying party
and words its own refusals where they differ. Functions here are pure: no
clock, no database, no request. What a client sent that is not accepted
raises :class:`WebauthnRefused` (or what the caller's ``refused`` makes of
the library's exception), never anything a view would turn into a 500.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import parse_authentication_credential_json
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticationCredential,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialCreationOptions,
    PublicKeyCredentialDescriptor,
    PublicKeyCredentialRequestOptions,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)
from webauthn.registration.verify_registration_response import VerifiedRegistration

from .errors import PraxError

# Far above any real attestation (a few KiB); bounds the parsing work.
MAX_CREDENTIAL_CHARS = 64 * 1024
KNOWN_TRANSPORTS = frozenset(t.value for t in AuthenticatorTransport)
CLONE_MESSAGE = ("this security key's counter went backwards, so it may have been copied; "
                 "it was refused")

# What a caller makes of an exception py_webauthn (or its parsing) raised, and the step.
Refusal = Callable[[Exception, str], Exception]


class WebauthnRefused(PraxError):
    """What the client sent is not accepted; ``message`` is safe to show."""

    code = "webauthn_invalid"
    status = 400

    def __init__(self, message: str, code: str = "webauthn_invalid", *,
                 status: int | None = None, fields: dict | None = None):
        super().__init__(message, code=code, status=status, fields=fields)


def site_of(base_url: str | None) -> tuple[str, str] | None:
    """The RP ID (host name) and the one origin of an http(s) address; None if it is not one.

    Never derived from a request's Host header: that is the client's to choose.
    """
    parts = urlsplit(base_url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.hostname, f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def from_b64url(text: str) -> bytes:
    if not isinstance(text, str) or not text.isascii():
        raise ValueError("not base64url text")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def challenge_hash(challenge: bytes) -> str:
    """How a stored challenge is found again from the one the browser signed."""
    return hashlib.sha256(challenge).hexdigest()


# Reading what the browser sent --------------------------------------------------

def parse_credential_text(text) -> dict:
    """A form's ``credential`` field (JSON text written by webauthn.js) as a dict."""
    if not isinstance(text, str) or not text.strip():
        raise WebauthnRefused("use your security key first", "webauthn_missing")
    if len(text) > MAX_CREDENTIAL_CHARS:
        raise WebauthnRefused("the credential is too large", "webauthn_malformed")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested too deeply
        raise WebauthnRefused("the credential is not valid JSON", "webauthn_malformed") from None
    if not isinstance(value, dict):
        raise WebauthnRefused("the credential must be a JSON object", "webauthn_malformed")
    return value


def check_shape(credential) -> dict:
    """An already-decoded credential (API body): a JSON object of bounded size."""
    if not isinstance(credential, dict):
        raise WebauthnRefused("the credential must be a JSON object", "webauthn_malformed")
    try:
        size = len(json.dumps(credential))
    except (TypeError, ValueError, RecursionError):
        raise WebauthnRefused("the credential is malformed", "webauthn_malformed") from None
    if size > MAX_CREDENTIAL_CHARS:
        raise WebauthnRefused("the credential is too large", "webauthn_malformed")
    return credential


def signed_challenge(credential: dict) -> bytes | None:
    """The challenge inside clientDataJSON (only to find the stored one); None if malformed."""
    try:
        client_data = json.loads(from_b64url(credential["response"]["clientDataJSON"]))
        return from_b64url(client_data["challenge"])
    except (KeyError, TypeError, ValueError, RecursionError, binascii.Error):
        return None


def transports_of(credential: dict) -> list[str]:
    """The transports a registration response names, known ones only, sorted."""
    response = credential.get("response") or {}
    transports = response.get("transports") if isinstance(response, dict) else None
    if not isinstance(transports, list):
        return []
    return sorted({t for t in transports if isinstance(t, str) and t in KNOWN_TRANSPORTS})


# Options ------------------------------------------------------------------------------

def descriptor(credential_id: bytes, transports: Iterable[str] | None
               ) -> PublicKeyCredentialDescriptor:
    """A stored key as the browser is told of it (unknown transports left out)."""
    known = [AuthenticatorTransport(t) for t in (transports or ()) if t in KNOWN_TRANSPORTS]
    return PublicKeyCredentialDescriptor(id=bytes(credential_id), transports=known or None)


def registration_options(*, rp_id: str, rp_name: str, user_id: bytes, user_name: str,
                         user_display_name: str, resident_key: ResidentKeyRequirement,
                         exclude: list[PublicKeyCredentialDescriptor], timeout: dt.timedelta
                         ) -> PublicKeyCredentialCreationOptions:
    """Creation options without attestation; ``options.challenge`` is for the caller to keep."""
    return generate_registration_options(
        rp_id=rp_id, rp_name=rp_name, user_name=user_name, user_id=user_id,
        user_display_name=user_display_name, timeout=int(timeout.total_seconds() * 1000),
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=resident_key, user_verification=UserVerificationRequirement.PREFERRED),
        exclude_credentials=exclude)


def authentication_options(*, rp_id: str, allow: list[PublicKeyCredentialDescriptor],
                           require_uv: bool, timeout: dt.timedelta
                           ) -> PublicKeyCredentialRequestOptions:
    """Request options; ``options.challenge`` is for the caller to keep."""
    return generate_authentication_options(
        rp_id=rp_id, timeout=int(timeout.total_seconds() * 1000), allow_credentials=allow,
        user_verification=(UserVerificationRequirement.REQUIRED if require_uv
                           else UserVerificationRequirement.PREFERRED))


# Verifying ----------------------------------------------------------------------------
# Fail closed: whatever the library trips over is a refusal, worded by ``refused``.

def verify_registration(credential: dict, *, challenge: bytes, rp_id: str,
                        origins: list[str] | str, refused: Refusal) -> VerifiedRegistration:
    try:
        return verify_registration_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp_id,
            expected_origin=origins)
    except Exception as exc:
        raise refused(exc, "registration") from None


def parse_assertion(credential: dict, refused: Refusal) -> AuthenticationCredential:
    try:
        return parse_authentication_credential_json(credential)
    except Exception as exc:
        raise refused(exc, "assertion parsing") from None


def verify_assertion(parsed: AuthenticationCredential, *, challenge: bytes, rp_id: str,
                     origins: list[str] | str, public_key: bytes, require_uv: bool,
                     refused: Refusal) -> int:
    """Check an assertion's signature; return the counter it presents (not compared here)."""
    try:
        # The counter is compared by the caller (counter_went_backwards), after the
        # signature is known to be right, so only a genuine key can raise the clone alarm.
        verified = verify_authentication_response(
            credential=parsed, expected_challenge=challenge, expected_rp_id=rp_id,
            expected_origin=origins, credential_public_key=bytes(public_key),
            credential_current_sign_count=0, require_user_verification=require_uv)
    except Exception as exc:
        raise refused(exc, "assertion") from None
    return verified.new_sign_count


def counter_went_backwards(stored: int | None, presented: int) -> bool:
    """A counter that did not go up (unless the key keeps none: both zero) means a copied key."""
    stored = stored or 0
    return bool(stored or presented) and presented <= stored
