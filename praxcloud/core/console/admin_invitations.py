"""Administrators send a user's welcome invitation again, from the user's page.

For a new colleague whose invitation expired or went astray; refused once
the user has chosen a password (forgot-password serves them then).
"""

from __future__ import annotations

from pyramid.view import view_config

from ..invitations import InvitationRefused, invitation_days, send_invitation
from ..permissions import USERS_MANAGE
from .admin_users import load_user
from .common import redirect


@view_config(route_name="console.user_invitation", request_method="POST",
             permission=USERS_MANAGE, recent_auth=True)
def resend_invitation(request):
    user = load_user(request)
    try:
        send_invitation(request, user)
    except InvitationRefused as exc:
        request.flash(f"No invitation was sent: {exc.message}.", "error")
    else:
        request.flash(f"A new invitation was mailed to {user.email}, valid for "
                      f"{invitation_days(request.tenant)} days; earlier links no longer work.",
                      "success")
    return redirect(request, "console.user", id=user.id)
