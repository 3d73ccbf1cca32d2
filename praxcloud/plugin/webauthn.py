"""WebAuthn ceremonies around py_webauthn, without storage (for security-key and passkey plugins).

The same rules check operators' security keys in the core. Functions are
pure (no clock, database or request); what a browser sent that is not
accepted raises :class:`WebauthnRefused`.
"""

from __future__ import annotations

from ..core.webauthn_ceremony import (
    CLONE_MESSAGE,
    KNOWN_TRANSPORTS,
    MAX_CREDENTIAL_CHARS,
    WebauthnRefused,
    authentication_options,
    b64url,
    challenge_hash,
    check_shape,
    counter_went_backwards,
    descriptor,
    from_b64url,
    parse_assertion,
    parse_credential_text,
    registration_options,
    signed_challenge,
    site_of,
    transports_of,
    verify_assertion,
    verify_registration,
)

__all__ = ["CLONE_MESSAGE", "KNOWN_TRANSPORTS", "MAX_CREDENTIAL_CHARS", "WebauthnRefused",
           "authentication_options", "b64url", "challenge_hash", "check_shape",
           "counter_went_backwards", "descriptor", "from_b64url", "parse_assertion",
           "parse_credential_text", "registration_options", "signed_challenge", "site_of",
           "transports_of", "verify_assertion", "verify_registration"]
