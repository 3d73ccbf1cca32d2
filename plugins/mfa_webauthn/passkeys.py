"""Passwordless sign-in with passkeys: options for anyone, then an assertion names the user.

The challenge is not bound to a user (the passkey says who it is), so it is
kept server-side under the hash of a one-time ``passkey_token``; finishing
the login (vetoes, session) is the views' work.
"""

from __future__ import annotations

import logging

from praxcloud.plugin import User, hash_token, new_token

from .models import PURPOSE_PASSKEY
from .service import (
    Assertion,
    WebauthnRejected,
    authentication_options,
    claim_challenge,
    store_challenge,
    verify_assertion,
)
from .tenant_settings import NAME

log = logging.getLogger(__name__)

# Anyone may ask for passkey options and each answer stores a challenge row,
# so one client address gets this many a minute; a person needs one or two.
PASSKEY_OPTIONS_PER_MINUTE = 30


class TooManyChallenges(Exception):
    """A client asked for passkey options too often (or the counter is unreadable)."""

    retry_after = 60


def _spend_passkey_budget(request) -> None:
    state = request.registry.shared_state.for_tenant(request.tenant.slug).namespace(NAME)
    try:
        used = state.incr(f"passkey-options:{request.client_addr}", 60)
    except Exception:
        # Fail closed: without the counter, no more challenge rows for anyone.
        log.exception("mfa_webauthn: the passkey-options counter is unreadable")
        raise TooManyChallenges() from None
    if used > PASSKEY_OPTIONS_PER_MINUTE:
        raise TooManyChallenges()


def passkey_options(request) -> tuple[dict, str]:
    """Options for any discoverable credential of the tenant, and the token that redeems them.

    Raises TooManyChallenges when this client address asked too often.
    """
    _spend_passkey_budget(request)
    options, raw = authentication_options(request, None, require_uv=True)
    token = new_token()
    store_challenge(request, PURPOSE_PASSKEY, hash_token(token), raw)
    return options, token


def passkey_assertion(request, passkey_token, credential) -> tuple[Assertion, User]:
    """Spend the token's challenge and check the assertion; the login is the caller's to finish."""
    if not isinstance(passkey_token, str) or not passkey_token or len(passkey_token) > 200:
        raise WebauthnRejected("the passkey_token is missing or malformed",
                               "webauthn_challenge_invalid")
    expected = claim_challenge(request, PURPOSE_PASSKEY, hash_token(passkey_token))
    assertion = verify_assertion(request, credential, expected, passwordless=True)
    user = request.tenant_db.get(User, assertion.credential.user_id)
    if user is None or not user.is_active:
        raise WebauthnRejected("this passkey cannot sign in", "passkey_rejected")
    return assertion, user
