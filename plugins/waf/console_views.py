"""The administrators' page: recent incidents, the blacklist, adding and removing addresses."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from praxcloud.plugin import FORM_INVALID, SETTINGS_MANAGE, form_text

from . import admin
from .config import NAME, tenant_settings

TEMPLATES = "plugins.waf:templates/"


def _page(request, errors: dict | None = None, form: dict | None = None) -> dict:
    return {"incidents": admin.recent_incidents(request), "blacklist": admin.blacklist(request),
            "settings": tenant_settings(request), "errors": errors or {},
            "form": form or {"address": "", "hours": ""}}


def _back(request):
    return HTTPSeeOther(request.route_url("waf.admin", tenant=request.tenant.slug))


@view_config(route_name="waf.admin", request_method="GET", permission=SETTINGS_MANAGE,
             plugin=NAME, renderer=TEMPLATES + "admin.jinja2")
def page(request):
    return _page(request)


@view_config(route_name="waf.blacklist_add", request_method="POST", permission=SETTINGS_MANAGE,
             plugin=NAME, renderer=TEMPLATES + "admin.jinja2", recent_auth=True)
def add(request):
    form = {"address": form_text(request.POST, "address")[:64],
            "hours": form_text(request.POST, "hours")[:10]}
    errors = {}
    address = admin.valid_address(form["address"])
    if address is None:
        errors["address"] = "Enter an IPv4 or IPv6 address, like 203.0.113.7."
    try:
        hours = float(form["hours"] or tenant_settings(request)["blacklist_hours"])
        if not 0 < hours <= 8760:
            raise ValueError
    except ValueError:
        errors["hours"] = "Enter a number of hours between 0 and 8760."
    if errors:
        request.response.status = FORM_INVALID
        return _page(request, errors, form)
    admin.add(request, address, hours)
    request.flash(f"{address} is blocked for {hours:g} hours.", "success")
    return _back(request)


@view_config(route_name="waf.blacklist_remove", request_method="POST",
             permission=SETTINGS_MANAGE, plugin=NAME, recent_auth=True)
def remove(request):
    address = admin.valid_address(form_text(request.POST, "address")[:64])
    if address is not None and admin.remove(request, address):
        request.flash(f"{address} is no longer blocked.", "success")
    return _back(request)
