"""The login state machine: first factor through the auth-backend hooks, then second factors.

Views (console and API) call :func:`check_first_factor` and
:func:`check_second_factor`; both answer the same way for an unknown user, a
wrong password and a locked account, so a caller learns nothing about which
accounts exist.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from . import login_limits
from .audit import USER
from .errors import PraxError
from .models import LoginChallenge, User, utcnow
from .tokens import hash_token, new_token
from .tries import take_try

log = logging.getLogger(__name__)

MFA_TOKEN_LIFETIME = dt.timedelta(minutes=5)
MFA_MAX_FAILURES = 5
# An environ key without the HTTP_ prefix: no client header can set it.
_ATTEMPT_LOGIN = "praxcloud.login_attempt_login"


class LoginRefused(PraxError):
    """A pre-authentication hook refused the attempt (slowdown, lockdown, ...)."""

    code = "login_refused"
    status = 429
    message = "login refused"

    def __init__(
        self,
        message: str = "login refused",
        retry_after: int | None = None,
        status: int = 429,
        code: str = "login_refused",
    ):
        headers = {"Retry-After": retry_after} if retry_after else None
        super().__init__(message, code=code, status=status, headers=headers)
        self.retry_after = retry_after

    def form_message(self) -> str:
        message = super().form_message()
        if self.retry_after:
            message += f" Please try again in {self.retry_after} seconds."
        return message


class AuthenticationFailed(PraxError):
    """The credentials are not right. The message shown is always the same."""

    code = "invalid_credentials"
    status = 401
    message = "the e-mail or password is not right"

    def form_message(self) -> str:
        # One message for an unknown e-mail, a wrong password and a disabled account.
        return "The e-mail address or password is not right."


class SecondFactorFailed(PraxError):
    """A second-factor answer is wrong, replayed, expired or malformed."""

    code = "mfa_failed"
    status = 401
    message = "the second factor was not accepted"

    def __init__(
        self, message: str = "the second factor was not accepted", code: str = "mfa_failed",
        *, status: int | None = None, fields: dict | None = None,
    ):
        super().__init__(message, code=code, status=status, fields=fields)


@dataclass
class FirstFactorResult:
    user: User
    # Empty when the login is complete; else the methods to choose from.
    mfa_methods: list[str]


def check_login_allowed(request, login: str) -> None:
    """Ask the pre-authentication vetoes (slowdown, lockdown), then count the attempt
    against the core's baseline limit (``login_limits``); raise LoginRefused if either says no.

    Every way in runs it before checking a credential: the password form and
    passwordless sign-in (passkeys) alike.
    """
    # Whose attempt this request makes, for praxcloud_authentication_succeeded.
    request.environ[_ATTEMPT_LOGIN] = login
    refusal = request.tenant_hooks.praxcloud_pre_authenticate(request=request, login=login)
    if refusal is not None:
        _failed(request, login, "refused")
        raise refusal if isinstance(refusal, LoginRefused) else LoginRefused()
    # The core's baseline, unless a plugin limits attempts itself.
    over = login_limits.reserve_attempt(request, login)
    if over is not None:
        if over.first:
            _failed(request, login, "refused")
        if over.unavailable:
            raise LoginRefused("logins are unavailable for a moment", over.retry_after, 503,
                               "login_unavailable")
        raise LoginRefused("too many login attempts", over.retry_after, 429,
                           "too_many_attempts")


def second_factors(request, user: User) -> list[str]:
    """The second-factor methods ``user`` has enrolled, across the tenant's plugins."""
    answers = request.tenant_hooks.praxcloud_second_factors(request=request, user=user)
    return sorted({method for answer in answers for method in (answer or ())})


def check_first_factor(request, login: str, password: str) -> FirstFactorResult:
    """Run pre-authentication vetoes and the auth backends; raise on any failure."""
    hooks = request.tenant_hooks
    check_login_allowed(request, login)
    try:
        user = hooks.praxcloud_authenticate(request=request, login=login, password=password)
    except AuthenticationFailed:
        user = None
    if user is None or not user.is_active:
        _failed(request, login, "invalid_credentials")
        raise AuthenticationFailed()
    _attempt_succeeded(request, user)
    return FirstFactorResult(user=user, mfa_methods=second_factors(request, user))


def _attempt_succeeded(request, user: User) -> None:
    """The attempt this request made proved itself: the baseline gives its count back, and
    plugins that limit attempts hear of it once (a password, or a passkey sign-in)."""
    login_limits.attempt_succeeded(request)
    login = request.environ.pop(_ATTEMPT_LOGIN, None)
    if login is not None:
        request.tenant_hooks.praxcloud_authentication_succeeded(
            request=request, login=login, user=user)


def _failed(request, login: str, reason: str) -> None:
    request.tenant_hooks.praxcloud_authentication_failed(
        request=request, login=login, reason=reason
    )
    request.audit.record(
        "login", outcome="failure", target=login, details={"reason": reason}, durable=True
    )


def start_challenge(request, user: User, methods: list[str], kind: str) -> str:
    """Remember a passed first factor; return the mfa_token that continues the login."""
    token = new_token()
    request.tenant_db.add(
        LoginChallenge(
            token_hash=hash_token(token),
            user_id=user.id,
            kind=kind,
            methods=methods,
            expires_at=utcnow() + MFA_TOKEN_LIFETIME,
            ip=request.client_addr,
        )
    )
    return token


def load_challenge(request, mfa_token: str, kind: str) -> LoginChallenge:
    if not isinstance(mfa_token, str) or not mfa_token:
        raise SecondFactorFailed("the mfa_token is missing", code="mfa_token_invalid")
    challenge = request.tenant_db.scalars(
        select(LoginChallenge).where(LoginChallenge.token_hash == hash_token(mfa_token))
    ).first()
    if (
        challenge is None
        or challenge.kind != kind
        or challenge.used_at is not None
        or challenge.expires_at <= utcnow()
        or challenge.failures >= MFA_MAX_FAILURES
    ):
        raise SecondFactorFailed("the mfa_token is invalid or expired", code="mfa_token_invalid")
    return challenge


def check_second_factor(request, challenge: LoginChallenge, method: str, payload: dict) -> User:
    """Verify one second-factor answer; burn the challenge on success.

    Every answer is counted against the challenge before it is checked, by
    one conditional UPDATE committed at once (:mod:`.tries`): answers sent at
    the same moment on one mfa_token are counted one after the other, and at
    most MFA_MAX_FAILURES of them are ever checked. The count survives the
    request's rollback; a right answer spends the challenge.
    """
    user = challenge.user
    if method not in challenge.methods:
        raise SecondFactorFailed(f"method {method!r} is not available", code="mfa_method_invalid")
    taken = take_try(request, update(LoginChallenge)
                     .where(LoginChallenge.id == challenge.id, LoginChallenge.used_at.is_(None),
                            LoginChallenge.expires_at > utcnow(),
                            LoginChallenge.failures < MFA_MAX_FAILURES)
                     .values(failures=LoginChallenge.failures + 1)
                     .returning(LoginChallenge.failures))
    if taken.count is None:
        # Spent, expired, or out of tries since load_challenge read it: not checked.
        raise SecondFactorFailed("the mfa_token is invalid or expired", code="mfa_token_invalid")
    try:
        accepted = request.tenant_hooks.praxcloud_verify_second_factor(
            request=request, user=user, method=method, payload=payload, challenge=challenge
        )
        if accepted is not True:
            raise SecondFactorFailed()
    except SecondFactorFailed as exc:
        if not taken.kept:
            # Taken in the request's transaction, which is rolled back: count it again.
            request.durable_tenant_update(
                LoginChallenge, challenge.id, failures=LoginChallenge.failures + 1
            )
        request.tenant_hooks.praxcloud_authentication_failed(
            request=request, login=user.email, reason="mfa"
        )
        request.audit.record(
            "mfa.verify",
            outcome="failure",
            target=user.email,
            details={"method": method, "reason": exc.code},
            durable=True,
        )
        raise
    spend_challenge(request, challenge)
    return user


def spend_challenge(request, challenge: LoginChallenge) -> None:
    """Mark ``challenge`` used, or raise SecondFactorFailed if another request already did.

    ``load_challenge`` reads the row without a lock, so concurrent right
    answers on one mfa_token can all get this far; one conditional UPDATE
    decides which of them opens the session: the first to change the row
    wins, and on PostgreSQL the others wait for its commit and then match no
    row. The answer being spent was counted already (check_second_factor),
    so the count may be at the limit, not above it.
    """
    now = utcnow()
    spent = request.tenant_db.execute(
        update(LoginChallenge)
        .where(LoginChallenge.id == challenge.id, LoginChallenge.used_at.is_(None),
               LoginChallenge.expires_at > now, LoginChallenge.failures <= MFA_MAX_FAILURES)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if spent != 1:
        raise SecondFactorFailed("the mfa_token is invalid or expired", code="mfa_token_invalid")
    set_committed_value(challenge, "used_at", now)


def required_actions(request, user: User) -> list[dict]:
    actions: list[dict] = []
    for answer in request.tenant_hooks.praxcloud_authenticated(request=request, user=user):
        actions.extend(answer or ())
    return actions


def open_session(request, user: User, kind: str):
    """Finish a login: a new session (a new id, so any earlier one is not reused)."""
    from .security import tenant_sessions
    from .security_epoch import stamp

    # A passkey sign-in counted its attempt (check_login_allowed) and proved
    # itself; after a password the count was given back already.
    _attempt_succeeded(request, user)
    token, session = tenant_sessions(request).create(
        user, kind, request.client_addr, request.user_agent
    )
    actions = required_actions(request, user)
    if actions:
        session.data = {**(session.data or {}), "required_actions": actions}
    # Evaluated under the security settings of now: no second evaluation at its first request.
    stamp(session, request.tenant)
    user.last_login_at = utcnow()
    # The user named as the subject: the trail need not find them by e-mail again.
    request.audit.record(
        "login", target=user.email, actor_id=user.id, actor=user.email, details={"kind": kind},
        subjects=[(USER, user.id)],
    )
    return token, session
