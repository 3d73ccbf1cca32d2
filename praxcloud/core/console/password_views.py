"""Forgotten passwords: ask for a reset link by e-mail, then choose a new password with it.

The request form answers the same words whether or not the account exists;
the reset link works once and expires (``accounts.reset_password`` decides).
"""

from __future__ import annotations

from pyramid.view import view_config
from sqlalchemy import select

from ..accounts import (
    MAX_PASSWORD_LENGTH,
    PasswordRejected,
    check_password,
    password_rules,
    request_password_reset,
    reset_password,
)
from ..errors import ApiError
from ..models import PasswordReset, utcnow
from ..request_context import require_tenant
from ..tokens import hash_token
from .common import FORM_INVALID, form_text, has_control_chars, redirect_with_notice, sentence

SENT = ("If an account with this e-mail address exists, we have sent it a link to choose "
        "a new password. The link works once and expires soon.")
MAX_EMAIL = 254
MAX_PASSWORD = MAX_PASSWORD_LENGTH


def password_fields(request, user) -> dict:
    """What a page where ``user`` (``None``: not created yet) chooses a password
    needs for the ``new_password`` macro: the tenant's rules (hint, lengths, the
    policy's meter) and the words a strength meter counts against the password."""
    words = [request.tenant.name]
    if user is not None:
        words += [user.email, user.display_name or ""]
    return {"password_rules": password_rules(request, user),
            "password_words": [word for word in words if word]}


def new_password_form(request, missing: str) -> tuple[str, dict]:
    """The new password a form posted (``password`` typed twice, ``confirm``), and
    what is wrong with the form: ``missing`` when it is empty."""
    password = form_text(request.POST, "password")
    confirm = form_text(request.POST, "confirm")
    errors = {}
    if not password:
        errors["password"] = missing
    elif len(password) > MAX_PASSWORD:
        errors["password"] = f"Use at most {MAX_PASSWORD} characters."
    elif password != confirm:
        errors["confirm"] = "The two passwords are not the same."
    return password, errors


@view_config(route_name="console.forgot", request_method="GET",
             renderer="console/forgot.jinja2")
def forgot_form(request):
    require_tenant(request)
    return {"email": "", "errors": {}, "sent": None}


@view_config(route_name="console.forgot", request_method="POST",
             renderer="console/forgot.jinja2")
def forgot(request):
    require_tenant(request)
    email = form_text(request.POST, "email").strip()
    error = None
    if not email:
        error = "Enter the e-mail address of your account."
    elif len(email) > MAX_EMAIL or "@" not in email or has_control_chars(email):
        error = "Enter a valid e-mail address."
    if error:
        request.response.status = FORM_INVALID
        return {"email": email[:MAX_EMAIL], "errors": {"email": error}, "sent": None}
    request_password_reset(request, email)
    return {"email": "", "errors": {}, "sent": SENT}


def policy_message(exc: PasswordRejected) -> str:
    """The policy's complaints (one per rule broken) as sentences for the form."""
    return " ".join(sentence(message) for message in exc.messages) or sentence(
        exc.fields.get("password", exc.message))


def _usable_reset(request, token: str) -> PasswordReset | None:
    """The reset the link stands for, if it can still set a password (as reset_password checks)."""
    if not token or len(token) > 200:
        return None
    reset = request.tenant_db.scalars(
        select(PasswordReset).where(PasswordReset.token_hash == hash_token(token))).first()
    if (reset is None or reset.used_at is not None or reset.expires_at <= utcnow()
            or not reset.user.is_active):
        return None
    return reset


def _page(request, *, user=None, errors: dict | None = None, invalid: bool = False,
          status: int = 200) -> dict:
    request.response.status = status
    return {"errors": errors or {}, "invalid": invalid, **password_fields(request, user)}


@view_config(route_name="console.reset", request_method="GET", renderer="console/reset.jinja2")
def reset_form(request):
    require_tenant(request)
    found = _usable_reset(request, request.matchdict["token"])
    if found is None:
        return _page(request, invalid=True, status=400)
    return _page(request, user=found.user)


@view_config(route_name="console.reset", request_method="POST", renderer="console/reset.jinja2")
def reset(request):
    require_tenant(request)
    token = request.matchdict["token"]
    found = _usable_reset(request, token)
    if found is None:
        return _page(request, invalid=True, status=400)
    password, errors = new_password_form(request, "Enter a new password.")
    if errors:
        return _page(request, user=found.user, errors=errors, status=FORM_INVALID)
    try:
        # The policy first: a rejected password must not use up the link.
        check_password(request, found.user, password)
        reset_password(request, token, password, checked=True)
    except PasswordRejected as exc:
        request.tm.doom()
        return _page(request, user=found.user, errors={"password": policy_message(exc)},
                     status=FORM_INVALID)
    except ApiError:
        # Used or expired between the check above and now.
        request.tm.doom()
        return _page(request, invalid=True, status=400)
    return redirect_with_notice(request, "console.login", "password_reset")
