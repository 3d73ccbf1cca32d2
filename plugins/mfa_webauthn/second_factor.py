"""Security keys as the second step of a login: the state lives in the core's LoginChallenge.

The challenge of the login's current key prompt is kept in the challenge's
``data`` and spent by the first answer, right or wrong.
"""

from __future__ import annotations

import binascii
import datetime as dt

from praxcloud.plugin import LoginChallenge, SecondFactorFailed, User, utcnow

from .service import (
    CHALLENGE_LIFETIME,
    STATE_KEY,
    WebauthnRejected,
    authentication_options,
    b64url,
    credentials_of,
    from_b64url,
    record_use,
    verify_assertion,
)


def start_second_factor(request, challenge: LoginChallenge, user: User) -> dict:
    """Request options for ``user``'s keys; the challenge replaces any earlier one of this login."""
    options, raw = authentication_options(request, credentials_of(request.tenant_db, user.id),
                                          require_uv=False)
    expires = utcnow() + CHALLENGE_LIFETIME
    challenge.data = {**(challenge.data or {}),
                      STATE_KEY: {"challenge": b64url(raw), "expires_at": expires.isoformat()}}
    return options


def verify_second_factor(request, challenge: LoginChallenge, user: User, credential) -> None:
    """Check the assertion against this login's challenge, which is spent either way."""
    data = dict(challenge.data or {})
    state = data.pop(STATE_KEY, None)
    try:
        if not isinstance(state, dict):
            raise WebauthnRejected("ask your security key again: this login has no open "
                                   "security-key challenge", "webauthn_challenge_invalid")
        try:
            expected = from_b64url(state["challenge"])
            expires = dt.datetime.fromisoformat(state["expires_at"])
        except (KeyError, TypeError, ValueError, binascii.Error):
            raise WebauthnRejected("the security-key challenge is damaged; start again",
                                   "webauthn_challenge_invalid") from None
        if expires <= utcnow():
            raise WebauthnRejected("the security-key challenge has expired; ask your key again",
                                   "webauthn_challenge_invalid")
        assertion = verify_assertion(request, credential, expected, user_id=user.id)
    except WebauthnRejected as exc:
        if state is not None:
            # The request is rolled back on failure: spend the challenge in its own transaction.
            request.durable_tenant_update(LoginChallenge, challenge.id, data=data)
        raise SecondFactorFailed(exc.message, code=exc.code) from None
    challenge.data = data
    record_use(assertion)
