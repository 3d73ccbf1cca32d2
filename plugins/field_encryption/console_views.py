"""The administrators' page: what is encrypted, under which key, and rotating it."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from praxcloud.plugin import SETTINGS_MANAGE

from . import state
from .config import NAME

TEMPLATES = "plugins.field_encryption:templates/"


@view_config(route_name="field_encryption.status", request_method="GET",
             permission=SETTINGS_MANAGE, plugin=NAME, renderer=TEMPLATES + "status.jinja2")
def status(request):
    return {"encryption": state.describe(request)}


@view_config(route_name="field_encryption.rotate", request_method="POST",
             permission=SETTINGS_MANAGE, plugin=NAME, recent_auth=True)
def rotate(request):
    state.request_rotation(request)
    request.flash("Key rotation queued: a new key encrypts from now on, and every stored "
                  "value is re-encrypted in the background.", "success")
    return HTTPSeeOther(request.route_url("field_encryption.status",
                                          tenant=request.tenant.slug))
