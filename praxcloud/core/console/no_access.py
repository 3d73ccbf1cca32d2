"""What a logged-in user whose groups grant nothing sees: who to ask, not a wall of 403s.

Such a user can log in (their account is fine) but may open no page but
their own account. Their home page, and any page they are refused, says so
and names the tenant's administrators: the active users whose groups hold
``users.manage``, the people who can add them to a group.
"""

from __future__ import annotations

from pyramid.renderers import render_to_response
from pyramid.response import Response
from sqlalchemy import select

from ..models import Group, User
from ..permissions import USERS_MANAGE

# Enough to reach someone; a long list would only be noise.
MAX_SHOWN = 5


def administrators(tenant_db) -> list[User]:
    """Up to MAX_SHOWN active users who may manage users (groups are few: filtered here)."""
    groups = [group.id for group in tenant_db.scalars(select(Group))
              if USERS_MANAGE in (group.permissions or ())]
    if not groups:
        return []
    statement = (select(User).where(User.is_active.is_(True),
                                    User.groups.any(Group.id.in_(groups)))
                 .order_by(User.id).limit(MAX_SHOWN))
    return list(tenant_db.scalars(statement))


def has_no_access(identity) -> bool:
    return identity is not None and not identity.is_operator and not identity.permissions


def no_access_response(request, status: int = 200) -> Response:
    response = render_to_response(
        "console/no_access.jinja2",
        {"user": request.praxcloud_identity.user,
         "administrators": administrators(request.tenant_db)},
        request=request, response=Response())
    response.status = status
    return response
