"""Accounts: passwords (policy, setting, resetting), finding users, ending one's own session.

Shared by the console, the API and the CLI; each takes the request (the
CLI builds one for the tenant) because password policy hooks and the
audit trail are per request. Adding and changing users is user management:
:mod:`.user_admin`.
"""

from __future__ import annotations

import datetime as dt

from pyramid.httpexceptions import HTTPNotFound
from sqlalchemy import Select, select, update

from . import login_limits
from .auth import AuthenticationFailed
from .authsessions import SessionStore
from .errors import ApiError
from .fields import codecs_of
from .hook_types import PasswordRules
from .local_auth import find_user_by_email, normalise_email
from .mail import send_mail
from .models import AuthSession, PasswordReset, User, utcnow
from .passwords import hash_password, normalise
from .search import like_pattern
from .settings import settings_of
from .tokens import hash_token, new_token

DEFAULT_RESET_MINUTES = 30
MIN_PASSWORD_LENGTH = 8  # NIST SP 800-63B's floor: no tenant's policy goes below it.
# Every form's and schema's cap: hashing megabytes of "password" is a denial of service.
MAX_PASSWORD_LENGTH = 1024
# NIST SP 800-63B-4: verifiers accept at least 64 characters; no policy caps below it.
LOWEST_ALLOWED_CAP = 64


class PasswordRejected(ApiError):
    """The policy's every objection, under the name of the field the password came in."""

    def __init__(self, messages: list[str], field: str = "password"):
        super().__init__("password_rejected", "the password does not meet the policy", 422,
                         {field: " ".join(messages)})
        self.messages = messages


class DuplicateEmail(ApiError):
    def __init__(self):
        super().__init__("duplicate_email", "a user with this e-mail already exists", 409,
                         {"email": "already taken"})


def password_rules(request, user: User | None) -> PasswordRules:
    """The lengths, hint and form assets of the tenant's policy for ``user``, all keys set.

    A policy plugin answers ``praxcloud_password_rules``; whatever it says,
    the floor stays at 8 characters and the cap between 64 and 1024.
    """
    answer = request.tenant_hooks.praxcloud_password_rules(request=request, user=user) or {}
    min_length = max(MIN_PASSWORD_LENGTH, int(answer.get("min_length") or 0))
    max_length = int(answer.get("max_length") or MAX_PASSWORD_LENGTH)
    max_length = min(MAX_PASSWORD_LENGTH, max(max_length, LOWEST_ALLOWED_CAP, min_length))
    hint = answer.get("hint") or (
        f"At least {min_length} characters. A few unrelated words make a strong password.")
    return {"min_length": min_length, "max_length": max_length, "hint": hint,
            "scripts": list(answer.get("scripts") or ()),
            "stylesheets": list(answer.get("stylesheets") or ())}


def check_password(request, user: User | None, password: str) -> None:
    """Raise :class:`PasswordRejected` with every rule ``password`` breaks, all at once."""
    # The policy judges the password that will be stored: its normalised form.
    password = normalise(password)
    rules = password_rules(request, user)
    messages = []
    if len(password) < rules["min_length"]:
        messages.append(f"use at least {rules['min_length']} characters.")
    if len(password) > rules["max_length"]:
        messages.append(f"use at most {rules['max_length']} characters.")
    # Every rule speaks, so the user learns all that is wrong at once.
    for answer in request.tenant_hooks.praxcloud_validate_password(
            request=request, user=user, password=password):
        messages.extend(answer or ())
    if messages:
        raise PasswordRejected(messages)


def set_password(request, user: User, password: str, keep_session=None, *,
                 checked: bool = False) -> None:
    """Set ``user``'s password and end every other session of theirs.

    ``checked``: the caller has just run :func:`check_password` on this very
    password (to refuse it before spending a link), so it is not judged twice.
    """
    if not checked:
        check_password(request, user, password)
    now = utcnow()
    user.password_hash = hash_password(request.registry.password_context, password)
    user.password_changed_at = now
    if keep_session is not None:
        # The session that changed the password stays; its absolute expiry is unchanged.
        keep_session.created_at = now
    SessionStore(request.tenant_db, AuthSession, None).revoke_all(user, keep=keep_session)
    request.tenant_db.execute(
        update(PasswordReset).where(PasswordReset.user_id == user.id,
                                    PasswordReset.used_at.is_(None)).values(used_at=now))
    request.tenant_hooks.praxcloud_password_changed(request=request, user=user)


def users_matching(tenant_db, query: str = "") -> Select:
    """The users a search box's ``query`` finds (all when empty), in list order.

    An e-mail address the tenant stores encrypted is found only when typed
    in full (through its blind index); see ``TenantFieldCodecs.search``.
    """
    codecs = codecs_of(tenant_db)
    statement = select(User)
    query = query.strip()
    if query:
        statement = statement.where(codecs.search(
            User, ("email", "display_name"), like_pattern(query), normalise_email(query)))
    return statement.order_by(codecs.order_column(User, "email"), User.id)


def reset_lifetime(request) -> dt.timedelta:
    minutes = (request.tenant.settings or {}).get("reset_link_minutes", DEFAULT_RESET_MINUTES)
    return dt.timedelta(minutes=int(minutes))


def public_base_url(request) -> str:
    """Where the platform is reached, for links in mails.

    From ``praxcloud.base_url``, never from the request's Host header: a
    forged Host would otherwise send the victim a reset link (token
    included) to the attacker's site.
    """
    configured = settings_of(request).base_url
    return (configured or request.application_url).rstrip("/")


def request_password_reset(request, email: str) -> None:
    """Mail a single-use reset link if the account exists; say nothing either way.

    Within budgets (``login_limits``: requests per client address, mails per
    account): over either, no mail goes out, silently. A new link makes the
    user's earlier ones unusable, so at most one is live.
    """
    user = find_user_by_email(request.tenant_db, email)
    # Every request spends the client's budget, whether the account exists or not.
    client_within_budget = login_limits.spend_reset_request(request)
    mailed = (user is not None and user.is_active and client_within_budget
              and login_limits.spend_reset_mail(request, user.id))
    request.audit.record("password.reset_request", target=normalise_email(email)[:254],
                         details={"known": user is not None, "mailed": bool(mailed)})
    if not mailed:
        return
    now = utcnow()
    # Links of this user are issued one at a time (the row lock; PostgreSQL),
    # so that two requests at once cannot both leave theirs live.
    request.tenant_db.execute(select(User.id).where(User.id == user.id).with_for_update())
    request.tenant_db.execute(
        update(PasswordReset).where(PasswordReset.user_id == user.id,
                                    PasswordReset.used_at.is_(None),
                                    PasswordReset.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False))
    token = new_token()
    request.tenant_db.add(PasswordReset(token_hash=hash_token(token), user_id=user.id,
                                        expires_at=now + reset_lifetime(request)))
    link = request.route_url("console.reset", tenant=request.tenant.slug, token=token,
                             _app_url=public_base_url(request))
    minutes = int(reset_lifetime(request).total_seconds() // 60)
    send_mail(request, user.email, f"{request.tenant.name}: reset your password",
              f"Someone asked to reset the password of your account at {request.tenant.name}.\n\n"
              f"To choose a new password, open this link within {minutes} minutes:\n{link}\n\n"
              "If it was not you, ignore this mail: your password stays as it is.\n")


def reset_password(request, token: str, password: str, *, checked: bool = False) -> User:
    reset = request.tenant_db.scalars(
        select(PasswordReset).where(PasswordReset.token_hash == hash_token(token))
    ).first()
    now = utcnow()
    if (reset is None or reset.used_at is not None or reset.expires_at <= now
            or not reset.user.is_active):
        raise ApiError("reset_token_invalid", "this reset link is invalid or has expired", 400)
    # Claim the link with a conditional update so two requests racing with
    # the same link cannot both use it.
    claimed = request.tenant_db.execute(
        update(PasswordReset).where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session="fetch"))
    if claimed.rowcount != 1:
        raise ApiError("reset_token_invalid", "this reset link is invalid or has expired", 400)
    user = reset.user
    set_password(request, user, password, checked=checked)
    request.audit.record("password.reset", target=user.email, actor_id=user.id, actor=user.email)
    return user


def confirms_password(request, user: User, password: str) -> bool:
    """Re-authentication: do the tenant's auth backends accept ``password`` for ``user``?

    A backend that answers None, or answers with someone else, has not
    confirmed this user.
    """
    try:
        found = request.tenant_hooks.praxcloud_authenticate(
            request=request, login=user.email, password=password)
    except AuthenticationFailed:
        return False
    return found is not None and found.id == user.id


def end_own_session(request, user: User, session_id: int) -> AuthSession:
    """Revoke one of ``user``'s live sessions; another user's looks exactly like a missing one."""
    session = request.tenant_db.get(AuthSession, session_id)
    if session is not None and session.user_id != user.id:
        # Another user's session, named by its id: what only sessions.manage may do. The
        # plugins and the trail hear of it; the answer is the same as for a missing one.
        from .denials import report_denial
        from .permissions import SESSIONS_MANAGE

        report_denial(request, user, SESSIONS_MANAGE, session)
        raise HTTPNotFound()
    if session is None or session.revoked_at is not None:
        raise HTTPNotFound()
    session.revoked_at = utcnow()
    request.audit.record("session.revoke", target=user.email,
                         details={"session_id": session.id})
    return session
