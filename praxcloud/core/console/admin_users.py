"""Tenant administrators manage their users: list, create, edit, end their sessions.

Creating a user never requires the administrator to know the password: by
default the new user gets a welcome invitation to choose one. Creating a
user whose groups grant nothing (who could log in but open no page) takes a
second, deliberate confirmation. The rules of user management (deactivating
ends sessions, no self-lockout, the tenant keeps a user who can manage
users, the audit trail) are :mod:`praxcloud.core.user_admin`'s; this module
reads the forms and words its refusals for the page.
"""

from __future__ import annotations

import re

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config
from sqlalchemy import func, select

from ..accounts import DuplicateEmail, PasswordRejected, users_matching
from ..auth import second_factors
from ..errors import ApiError
from ..invitations import (
    invitation_days,
    invitation_state,
    latest_invitation,
    may_invite,
    send_invitation,
)
from ..local_auth import normalise_email
from ..models import Group, User
from ..permissions import SESSIONS_MANAGE, USERS_MANAGE
from ..security import tenant_sessions
from ..user_admin import (
    LastManager,
    OwnDeactivation,
    OwnManagementRight,
    UnknownGroups,
    UserChange,
    UserChangeRefused,
    change_user,
    create_user,
    end_sessions,
    groups_named,
    refusals,
)
from .admin_forms import Pager, invalid, page_number
from .common import object_id, redirect
from .password_views import MAX_PASSWORD, password_fields, policy_message

# The shape of an address only; the reset mail proves it works.
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_EMAIL = 254
MAX_NAME = 200
# How a new user gets a first password: a mailed link (the admin never knows
# it), or one the admin chooses and passes on.
ONBOARDING = ("link", "chosen")
NO_ACCESS_WARNING = ("The groups you chose give no permission: this person could log in but "
                     "open no page. Choose a group, or tick “Create without access” to add "
                     "them now and give them a group later.")


def all_groups(request) -> list[Group]:
    return list(request.tenant_db.scalars(select(Group).order_by(Group.name)))


def load_user(request) -> User:
    user = request.tenant_db.get(User, object_id(request))
    if user is None:
        raise HTTPNotFound()
    return user


def refusal_message(refused: UserChangeRefused) -> str:
    """The console's sentence for a change the rules refuse, shown under ``refused.field``."""
    if isinstance(refused, UnknownGroups):
        return "No such group: " + ", ".join(refused.names) + "."
    if isinstance(refused, OwnDeactivation):
        return "You cannot deactivate your own account."
    if isinstance(refused, OwnManagementRight):
        return ("You cannot remove your own right to manage users: keep a group with "
                "users.manage (such as admin). Another administrator can change your groups.")
    if isinstance(refused, LastManager):
        return (f"{refused.email} is the last active user who can manage users: give another "
                "active user a group with users.manage first.")
    return refused.message


def _chosen_groups(request, names: list[str], errors: dict) -> list[Group]:
    """The chosen groups that exist; unknown ones are a form error."""
    try:
        return groups_named(request.tenant_db, names)
    except UnknownGroups as exc:
        errors["groups"] = refusal_message(exc)
        return groups_named(request.tenant_db, sorted(set(names) - set(exc.names)))


def _check_display_name(name: str, errors: dict) -> None:
    if len(name) > MAX_NAME:
        errors["display_name"] = f"Use at most {MAX_NAME} characters."


# Listing -------------------------------------------------------------------
@view_config(route_name="console.users", request_method="GET", permission=USERS_MANAGE,
             renderer="console/admin_users.jinja2")
def list_users(request):
    query = request.GET.get("q", "").strip()[:200]
    statement = users_matching(request.tenant_db, query)
    total = request.tenant_db.scalar(select(func.count()).select_from(statement.subquery()))
    pager = Pager(page_number(request), total or 0)
    users = list(request.tenant_db.scalars(
        statement.limit(pager.per_page).offset(pager.offset)))
    return {"users": users, "query": query, "pager": pager}


# Creating ------------------------------------------------------------------
def _new_user_page(request, form: dict, errors: dict) -> dict:
    return {"form": form, "errors": errors, "groups": all_groups(request),
            "offer_no_access": form["no_access_ok"] or errors.get("groups") == NO_ACCESS_WARNING,
            **password_fields(request, None)}


@view_config(route_name="console.user_new", request_method="GET", permission=USERS_MANAGE,
             renderer="console/admin_user_new.jinja2", recent_auth=True)
def new_user_form(request):
    form = {"email": "", "display_name": "", "groups": [], "onboarding": "link",
            "no_access_ok": False}
    return _new_user_page(request, form, {})


@view_config(route_name="console.user_new", request_method="POST", permission=USERS_MANAGE,
             renderer="console/admin_user_new.jinja2", recent_auth=True)
def create_user_view(request):
    post = request.POST
    form = {
        "email": post.get("email", "").strip(),
        "display_name": post.get("display_name", "").strip(),
        "groups": post.getall("groups"),
        "onboarding": post.get("onboarding", "link"),
        "no_access_ok": post.get("no_access_ok") == "on",
    }
    password = post.get("password", "")
    errors: dict[str, str] = {}
    email = normalise_email(form["email"])
    if not email:
        errors["email"] = "Enter the person's e-mail address."
    elif len(email) > MAX_EMAIL or not EMAIL_RE.match(email):
        errors["email"] = "Enter an e-mail address like name@example.org."
    _check_display_name(form["display_name"], errors)
    chosen = _chosen_groups(request, form["groups"], errors)
    if ("groups" not in errors and not form["no_access_ok"]
            and not any(group.permissions for group in chosen)):
        errors["groups"] = NO_ACCESS_WARNING
    if form["onboarding"] not in ONBOARDING:
        errors["onboarding"] = "Choose how the person gets a password."
    elif form["onboarding"] == "chosen" and not password:
        errors["password"] = "Enter an initial password, or send a link instead."  # noqa: S105 - a message
    elif form["onboarding"] == "chosen" and len(password) > MAX_PASSWORD:
        errors["password"] = f"Use at most {MAX_PASSWORD} characters."
    if errors:
        return invalid(request, _new_user_page(request, form, errors))
    initial = password if form["onboarding"] == "chosen" else None
    try:
        user = create_user(request, email, initial, sorted(set(form["groups"])),
                           display_name=form["display_name"])
    except DuplicateEmail:
        errors["email"] = "A user with this e-mail address already exists."
    except PasswordRejected as exc:
        errors["password"] = "The password is not accepted. " + policy_message(exc)
    except UnknownGroups as exc:  # deleted since the check above
        errors["groups"] = refusal_message(exc)
    except ApiError as exc:
        errors.update({key: str(value) for key, value in exc.fields.items()} or
                      {"form": exc.message})
    if errors:
        # create_user may have added the user before the password was refused.
        request.tm.doom()
        return invalid(request, _new_user_page(request, form, errors))
    if initial is None:
        send_invitation(request, user)
        request.flash(f"User {user.email} created; an invitation to choose a password was "
                      f"mailed to them, valid for {invitation_days(request.tenant)} days.",
                      "success")
    else:
        request.flash(f"User {user.email} created with the password you chose.", "success")
    return redirect(request, "console.user", id=user.id)


# Editing -------------------------------------------------------------------
def _user_page(request, user: User, form: dict, errors: dict) -> dict:
    identity = request.praxcloud_identity
    invitation = latest_invitation(request.tenant_db, user)
    return {
        "user": user, "form": form, "errors": errors, "groups": all_groups(request),
        "sessions": tenant_sessions(request).live_for_user(user),
        "is_self": user.id == identity.user.id,
        "may_end_sessions": SESSIONS_MANAGE in identity.permissions,
        "second_factors": second_factors(request, user),
        "invitation": invitation,
        "invitation_state": invitation_state(invitation),
        "may_invite": may_invite(user) is None,
    }


@view_config(route_name="console.user", request_method="GET", permission=USERS_MANAGE,
             renderer="console/admin_user.jinja2")
def edit_user_form(request):
    user = load_user(request)
    form = {"display_name": user.display_name, "groups": user.group_names,
            "is_active": user.is_active}
    return _user_page(request, user, form, {})


@view_config(route_name="console.user", request_method="POST", permission=USERS_MANAGE,
             renderer="console/admin_user.jinja2", recent_auth=True)
def update_user(request):
    user = load_user(request)
    post = request.POST
    form = {
        "display_name": post.get("display_name", "").strip(),
        "groups": post.getall("groups"),
        "is_active": post.get("is_active") == "on",
    }
    errors: dict[str, str] = {}
    _check_display_name(form["display_name"], errors)
    change = UserChange(groups=form["groups"], display_name=form["display_name"],
                        is_active=form["is_active"])
    identity = request.praxcloud_identity
    # Every rule the change breaks, shown at once (the API answers with the first).
    for refused in refusals(request, user, change, by=identity):
        errors[refused.field] = refusal_message(refused)
    if errors:
        return invalid(request, _user_page(request, user, form, errors))
    details = change_user(request, user, change, by=identity)
    if not details:
        request.flash("Nothing changed.", "info")
        return redirect(request, "console.user", id=user.id)
    message = f"User {user.email} saved."
    ended = details.get("sessions_ended", 0)
    if ended:
        message += f" The account is deactivated and {ended} session(s) were ended."
    request.flash(message, "success")
    return redirect(request, "console.user", id=user.id)


@view_config(route_name="console.user_sessions_revoke", request_method="POST", recent_auth=True,
             permission=SESSIONS_MANAGE)
def revoke_user_sessions(request):
    user = load_user(request)
    # Ending one's own sessions from here keeps the one in use, as the account page does.
    ended = end_sessions(request, user, by=request.praxcloud_identity)
    request.flash(f"{ended} session(s) of {user.email} ended.", "success")
    return redirect(request, "console.user", id=user.id)
