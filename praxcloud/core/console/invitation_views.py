"""The page a welcome invitation opens: a new user chooses their first password.

Its own words ("choose your password", not "reset"), for its own link kind:
a forgot-password link does not open this page. (An invitation's token is
still accepted where any password link is, such as the API's
reset-password, for the same user.) ``invitations.accept_invitation``
decides whether the link still works.
"""

from __future__ import annotations

from pyramid.view import view_config

from ..accounts import PasswordRejected
from ..invitations import InvitationInvalid, accept_invitation, usable_invitation
from ..request_context import require_tenant
from .common import FORM_INVALID, redirect_with_notice
from .password_views import new_password_form, password_fields, policy_message


def _page(request, *, invitation=None, errors: dict | None = None, status: int = 200) -> dict:
    request.response.status = status
    return {"invitation": invitation, "errors": errors or {},
            **password_fields(request, invitation.user if invitation else None)}


@view_config(route_name="console.invitation", request_method="GET",
             renderer="console/invitation.jinja2")
def invitation_form(request):
    require_tenant(request)
    invitation = usable_invitation(request.tenant_db, request.matchdict["token"])
    if invitation is None:
        return _page(request, status=400)
    return _page(request, invitation=invitation)


@view_config(route_name="console.invitation", request_method="POST",
             renderer="console/invitation.jinja2")
def accept(request):
    require_tenant(request)
    token = request.matchdict["token"]
    invitation = usable_invitation(request.tenant_db, token)
    if invitation is None:
        return _page(request, status=400)
    password, errors = new_password_form(request, "Choose a password.")
    if errors:
        return _page(request, invitation=invitation, errors=errors, status=FORM_INVALID)
    try:
        accept_invitation(request, token, password)
    except PasswordRejected as exc:
        request.tm.doom()
        return _page(request, invitation=invitation,
                     errors={"password": policy_message(exc)}, status=FORM_INVALID)
    except InvitationInvalid:
        # Used by a request racing this one.
        request.tm.doom()
        return _page(request, status=400)
    return redirect_with_notice(request, "console.login", "invitation_accepted")
