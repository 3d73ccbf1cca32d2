"""The administrators' page: the tenant's backups (status, size, age) and "back up now"."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from praxcloud.plugin import SETTINGS_MANAGE

from . import service
from .config import NAME, tenant_settings
from .overview import last_failure, overview, start

TEMPLATES = "plugins.backup:templates/"


@view_config(route_name="backup.admin", request_method="GET", permission=SETTINGS_MANAGE,
             plugin=NAME, renderer=TEMPLATES + "backup.jinja2")
def page(request):
    now = service.now()
    found = overview(request)
    for item in found["backups"]:
        item["age_days"] = (now - item["at"]).total_seconds() / 86400
    return {**found, "settings": tenant_settings(request), "failure": last_failure(request)}


@view_config(route_name="backup.run_now", request_method="POST", permission=SETTINGS_MANAGE,
             plugin=NAME)
def run_now(request):
    start(request)
    request.flash("A backup has started. It is listed here once it is written and verified.",
                  "success")
    return HTTPSeeOther(request.route_url("backup.admin", tenant=request.tenant.slug))
