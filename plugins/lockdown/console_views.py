"""The administrators' page: users locked out, why, and unlocking them."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from praxcloud.plugin import USERS_MANAGE, object_id

from . import locks
from .config import NAME

TEMPLATES = "plugins.lockdown:templates/"


@view_config(route_name="lockdown.manage", request_method="GET", permission=USERS_MANAGE,
             plugin=NAME, renderer=TEMPLATES + "manage.jinja2")
def manage(request):
    return {"locks": locks.open_locks(request)}


@view_config(route_name="lockdown.unlock", request_method="POST", permission=USERS_MANAGE,
             plugin=NAME, recent_auth=True)
def unlock(request):
    user = locks.unlock(request, object_id(request), request.praxcloud_identity.user.email)
    if user is None:
        raise HTTPNotFound()
    request.flash(f"{user.email} is unlocked and can log in again.", "success")
    return HTTPSeeOther(request.route_url("lockdown.manage", tenant=request.tenant.slug))
