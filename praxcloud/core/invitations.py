"""Welcome invitations: how a new user chooses their first password.

An invitation is a single-use link of its own kind (``invitation``) in the
table of reset links, with its own mail, its own validity (the tenant's
``invitation_days``, 7 by default: a new colleague may read their mail only
on their first day) and its own landing page, "set your password", at
``/{tenant}/welcome/{token}``. It is not a forgot-password mail: nobody
"asked to reset" anything.

A new invitation replaces every live link of the user, so only the newest
mail works. An invitation can be sent again while the user has no password
and is active; once they have chosen a password, forgot-password is the way
back in. Audited as ``user.invited`` (the first), ``user.invitation_resent``
(any later one) and ``user.invitation_accepted``.

The API's ``POST /auth/reset-password`` also takes an invitation's token, so
an institution's own app can offer the same first step.
"""

from __future__ import annotations

import datetime as dt
from string import Template

import transaction
from sqlalchemy import exists, select, update

from .accounts import check_password, public_base_url, set_password
from .errors import ApiError
from .mail import send_mail
from .models import INVITATION_LINK, PasswordReset, User, utcnow
from .scripting import tenant_request
from .tokens import hash_token, new_token
from .user_admin import create_user

DEFAULT_INVITATION_DAYS = 7
MIN_INVITATION_DAYS = 1
MAX_INVITATION_DAYS = 30
# The group a new tenant's first administrator is put in (seeded with every permission).
FIRST_ADMIN_GROUP = "admin"

INVITED = "user.invited"
RESENT = "user.invitation_resent"
ACCEPTED = "user.invitation_accepted"

MAIL_SUBJECT = Template("Welcome to $tenant: choose your password")
MAIL_BODY = Template(
    "Welcome to $tenant.\n\n"
    "An account has been made for you at $tenant. You log in with this e-mail\n"
    "address, $email, and a password that only you know.\n\n"
    "To choose your password, open this link within $days days:\n$link\n\n"
    "The link works once. If it has expired, ask an administrator of $tenant to\n"
    "send you a new invitation.\n\n"
    "Afterwards, log in at:\n$login\n\n"
    "If you did not expect this mail, you can ignore it: without a password\n"
    "nobody can log in to the account.\n"
)


class InvitationRefused(ApiError):
    """The user cannot be invited (again): they are deactivated or already have a password."""

    def __init__(self, reason: str):
        super().__init__("invitation_refused", reason, 409, {"user": reason})


class InvitationInvalid(ApiError):
    def __init__(self):
        super().__init__("invitation_invalid",
                         "this invitation link is invalid, has expired or has been used", 400)


def invitation_days(tenant) -> int:
    days = (tenant.settings or {}).get("invitation_days", DEFAULT_INVITATION_DAYS)
    return min(max(int(days), MIN_INVITATION_DAYS), MAX_INVITATION_DAYS)


def latest_invitation(tenant_db, user: User) -> PasswordReset | None:
    """The newest invitation sent to ``user`` (used, expired or live), for their admin page."""
    return tenant_db.scalars(
        select(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.kind == INVITATION_LINK)
        .order_by(PasswordReset.created_at.desc(), PasswordReset.id.desc()).limit(1)).first()


def invitation_state(invitation: PasswordReset | None) -> str:
    """``none``, ``live``, ``expired`` or ``ended`` (used, or replaced by a newer link)."""
    if invitation is None:
        return "none"
    if invitation.used_at is not None:
        return "ended"
    return "expired" if invitation.expires_at <= utcnow() else "live"


def may_invite(user: User) -> str | None:
    """Why ``user`` cannot be sent an invitation, or None when they can."""
    if not user.is_active:
        return "the account is deactivated: activate it first"
    if user.password_hash:
        return "the user has already chosen a password; they can use forgot-password"
    return None


def send_invitation(request, user: User, *, actor: str | None = None) -> str:
    """Mail ``user`` a new invitation, ending any earlier link; returns the audit event.

    ``actor`` names who invites when the request has no logged-in user (the
    operator who created the tenant, the CLI's account).
    """
    refused = may_invite(user)
    if refused:
        raise InvitationRefused(refused)
    tenant_db = request.tenant_db
    # One invitation at a time per user: a second sender waits here, then
    # spends the link the first one made (PostgreSQL; SQLite has one writer).
    tenant_db.execute(select(User.id).where(User.id == user.id).with_for_update())
    now = utcnow()
    earlier = tenant_db.scalar(select(exists().where(
        PasswordReset.user_id == user.id, PasswordReset.kind == INVITATION_LINK)))
    # Only the newest mail works: every live link of the user (an older
    # invitation or a reset link) is spent now.
    tenant_db.execute(
        update(PasswordReset).where(PasswordReset.user_id == user.id,
                                    PasswordReset.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False))
    days = invitation_days(request.tenant)
    token = new_token()
    tenant_db.add(PasswordReset(token_hash=hash_token(token), user_id=user.id,
                                kind=INVITATION_LINK, created_at=now,
                                expires_at=now + dt.timedelta(days=days)))
    base = public_base_url(request)
    slug = request.tenant.slug
    words = {
        "tenant": request.tenant.name, "email": user.email, "days": days,
        "link": request.route_url("console.invitation", tenant=slug, token=token, _app_url=base),
        "login": request.route_url("console.login", tenant=slug, _app_url=base),
    }
    send_mail(request, user.email, MAIL_SUBJECT.substitute(words), MAIL_BODY.substitute(words))
    event = RESENT if earlier else INVITED
    request.audit.record(event, target=user.email, actor=actor,
                         details={"user_id": user.id, "valid_days": days})
    return event


def usable_invitation(tenant_db, token: str) -> PasswordReset | None:
    """The invitation ``token`` stands for, if it can still set a password."""
    if not token or len(token) > 200:
        return None
    found = tenant_db.scalars(select(PasswordReset).where(
        PasswordReset.token_hash == hash_token(token),
        PasswordReset.kind == INVITATION_LINK)).first()
    if (found is None or found.used_at is not None or found.expires_at <= utcnow()
            or not found.user.is_active):
        return None
    return found


def accept_invitation(request, token: str, password: str) -> User:
    """Set the invited user's first password with the link; the policy is checked first."""
    invitation = usable_invitation(request.tenant_db, token)
    if invitation is None:
        raise InvitationInvalid()
    user = invitation.user
    # A password the policy refuses must not use up the link.
    check_password(request, user, password)
    # Claimed with a conditional update: two requests with one link cannot both use it.
    claimed = request.tenant_db.execute(
        update(PasswordReset).where(PasswordReset.id == invitation.id,
                                    PasswordReset.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise InvitationInvalid()
    set_password(request, user, password, checked=True)
    request.audit.record(ACCEPTED, target=user.email, actor_id=user.id, actor=user.email)
    return user


def invite_new_user(request, email: str, groups: list[str], display_name: str = "", *,
                    actor: str | None = None) -> User:
    """Create a user without a password and mail them an invitation."""
    user = create_user(request, email, None, groups, display_name=display_name)
    send_invitation(request, user, actor=actor)
    return user


def invite_first_administrator(registry, slug: str, email: str, *, actor: str,
                               identity=None) -> None:
    """Create tenant ``slug``'s first administrator and mail them an invitation.

    Runs in a transaction of its own (the caller may be inside a web
    request's): the user, the invitation and the tenant's audit entries are
    committed together, and the mail goes when they are. ``identity`` is the
    operator's, so the tenant's trail names who created the account.
    """
    with tenant_request(registry, slug, transaction_manager=transaction.TransactionManager()
                        ) as request:
        if identity is not None:
            request.praxcloud_identity = identity
        invite_new_user(request, email, [FIRST_ADMIN_GROUP], actor=actor)
