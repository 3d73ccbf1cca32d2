"""The platform operators' page: every enabling tenant's blocked addresses and recent incidents.

Operators hold no tenant permission: the page is guarded by
``OPERATOR_PERMISSION`` and reads each tenant through ``operator_tenant_requests``,
which opens only the tenants whose contract enables the WAF. It shows what
the tenant's administrators see on their own page (the incident ids, the
addresses, the requests' method and path, and what matched where, as the
value's masked shape), nothing more. Blocking or unblocking an address for
a tenant is audited in the tenant's trail (the operator as actor, with the
address) and in the platform's (without it: the platform keeps no personal
data).
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from praxcloud.plugin import (
    FORM_INVALID,
    OPERATOR_PERMISSION,
    form_text,
    operator_tenant_request,
    operator_tenant_requests,
    record_platform_event,
)

from . import admin
from .config import NAME, tenant_settings

TEMPLATE = "plugins.waf:templates/platform.jinja2"
# Incidents shown per tenant on the page of every tenant; one tenant's page shows RECENT.
PER_TENANT = 10


def _incident(row) -> dict:
    return {"incident": row.incident, "at": row.at, "ip": row.ip, "method": row.method,
            "path": row.path, "score": row.score, "matches": list(row.matches or ()),
            "blacklisted": row.blacklisted}


def _tenant(tenant, limit: int) -> dict:
    """Plain values of one tenant, read while its request is open."""
    settings = tenant_settings(tenant)
    return {"slug": tenant.tenant.slug, "name": tenant.tenant.name,
            "blacklist": admin.blacklist(tenant), "kept": admin.incident_count(tenant),
            "incidents": [_incident(row) for row in admin.recent_incidents(tenant, limit)],
            "blacklist_hours": settings["blacklist_hours"],
            "retention_days": settings["incident_retention_days"]}


def _only(request) -> str | None:
    slug = request.GET.get("tenant", "")
    return slug[:64] if isinstance(slug, str) and slug else None


def _page(request, only: str | None = None, errors: dict | None = None,
          form: dict | None = None) -> dict:
    if only:
        with operator_tenant_request(request, only, NAME) as tenant:
            tenants = [_tenant(tenant, admin.RECENT)]
    else:
        tenants = [_tenant(tenant, PER_TENANT)
                   for tenant in operator_tenant_requests(request, NAME)]
    return {"tenants": tenants, "only": only, "per_tenant": PER_TENANT, "errors": errors or {},
            "form": form or {}, "section": "waf.platform"}


@view_config(route_name="waf.platform", request_method="GET", permission=OPERATOR_PERMISSION,
             renderer=TEMPLATE)
def page(request):
    return _page(request, _only(request))


def _back(request, slug: str) -> HTTPSeeOther:
    return HTTPSeeOther(request.route_url("waf.platform", _query={"tenant": slug}))


@view_config(route_name="waf.platform_blacklist_add", request_method="POST",
             permission=OPERATOR_PERMISSION, renderer=TEMPLATE, recent_auth=True)
def add(request):
    slug = request.matchdict["slug"]
    form = {"slug": slug, "address": form_text(request.POST, "address")[:64],
            "hours": form_text(request.POST, "hours")[:10]}
    errors = {}
    address = admin.valid_address(form["address"])
    if address is None:
        errors["address"] = "Enter an IPv4 or IPv6 address, like 203.0.113.7."
    with operator_tenant_request(request, slug, NAME) as tenant:
        try:
            hours = float(form["hours"] or tenant_settings(tenant)["blacklist_hours"])
            if not 0 < hours <= 8760:
                raise ValueError
        except ValueError:
            errors["hours"] = "Enter a number of hours between 0 and 8760."
        if not errors:
            admin.add(tenant, address, hours)
    if errors:
        request.response.status = FORM_INVALID
        return _page(request, slug, errors, form)
    record_platform_event(request, f"{NAME}.blacklist_add", tenant_slug=slug,
                          details={"hours": hours})
    request.flash(f"The address is blocked in {slug} for {hours:g} hours.", "success")
    return _back(request, slug)


@view_config(route_name="waf.platform_blacklist_remove", request_method="POST",
             permission=OPERATOR_PERMISSION, recent_auth=True)
def remove(request):
    slug = request.matchdict["slug"]
    address = admin.valid_address(form_text(request.POST, "address")[:64])
    with operator_tenant_request(request, slug, NAME) as tenant:
        removed = address is not None and admin.remove(tenant, address)
    if removed:
        record_platform_event(request, f"{NAME}.blacklist_remove", tenant_slug=slug)
        request.flash(f"The address is no longer blocked in {slug}.", "success")
    return _back(request, slug)
