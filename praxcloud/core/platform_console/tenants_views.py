"""Tenants: the list, creating one, suspending, resuming and deleting.

Only the platform registry is read here (slug, name, status, contract);
a tenant's own database is opened by provisioning alone, to create or drop
it, and once more when it is created: to make its first administrator, who
is mailed a welcome invitation (no operator ever learns their password). A
tenant whose invitation cannot be sent is dropped again, so none is left
without a way in.
"""

from __future__ import annotations

import logging

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config
from sqlalchemy import or_, select

from ..console.admin_users import EMAIL_RE
from ..invitations import FIRST_ADMIN_GROUP, invite_first_administrator
from ..local_auth import normalise_email
from ..models import TENANT_ACTIVE, TENANT_SUSPENDED, Tenant
from ..provisioning import TenantExists, TenantNotFound, create_tenant, delete_tenant, set_status
from ..security import OPERATOR_PERMISSION
from ..tenancy import InvalidSlug, check_slug
from .support import (
    FORM_INVALID,
    form_text,
    operator_email,
    query_text,
    recent_events,
    record_event,
    redirect,
    sentences,
    tenant_or_404,
)

log = logging.getLogger(__name__)

STATUS_EVENTS = {TENANT_ACTIVE: "tenant.resume", TENANT_SUSPENDED: "tenant.suspend"}


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _tenants_page(request, form: dict, errors: dict) -> dict:
    search = query_text(request, "q", 80)
    query = select(Tenant).order_by(Tenant.slug)
    if search:
        pattern = _like(search.lower())
        query = query.where(or_(Tenant.slug.like(pattern, escape="\\"),
                                Tenant.name.ilike(pattern, escape="\\")))
    return {
        "tenants": list(request.dbsession.scalars(query)),
        "q": search,
        "form": form,
        "errors": sentences(errors),
        "section": "tenants",
    }


@view_config(route_name="platform.tenants", request_method="GET",
             permission=OPERATOR_PERMISSION, renderer="platform/tenants.jinja2")
def tenants(request):
    return _tenants_page(request, {"slug": "", "name": "", "admin_email": ""}, {})


def _admin_email(request, errors: dict) -> str:
    text, error = form_text(request, "admin_email", 254)
    email = normalise_email(text)
    if error:
        errors["admin_email"] = error
    elif not email:
        errors["admin_email"] = "give the e-mail address of the tenant's first administrator."
    elif not EMAIL_RE.match(email):
        errors["admin_email"] = "give an e-mail address like name@example.org."
    return email


@view_config(route_name="platform.tenants", request_method="POST",
             permission=OPERATOR_PERMISSION, renderer="platform/tenants.jinja2")
def tenant_create(request):
    slug, slug_error = form_text(request, "slug", 40)
    name, name_error = form_text(request, "name", 200)
    errors = {}
    if slug_error:
        errors["slug"] = slug_error
    else:
        try:
            check_slug(slug)
        except InvalidSlug as exc:
            errors["slug"] = str(exc)
    if name_error:
        errors["name"] = name_error
    elif not name:
        errors["name"] = "give the tenant a name."
    admin_email = _admin_email(request, errors)
    status = FORM_INVALID
    if not errors:
        try:
            create_tenant(request.registry.tenancy, slug, name)
        except InvalidSlug as exc:
            errors["slug"] = str(exc)
        except TenantExists as exc:
            errors["slug"] = str(exc)
            status = 409
    if not errors:
        try:
            invite_first_administrator(request.registry, slug, admin_email,
                                       actor=operator_email(request),
                                       identity=request.praxcloud_identity)
        except Exception:
            log.exception("inviting the first administrator of %s failed; dropping it", slug)
            delete_tenant(request.registry.tenancy, slug)
            errors["admin_email"] = ("the invitation could not be sent, so the tenant was not "
                                     "created: try again, or have the mail settings checked.")
            status = 503
    if errors:
        request.response.status = status
        return _tenants_page(request, {"slug": slug, "name": name, "admin_email": admin_email},
                             errors)
    record_event(request, "tenant.create", tenant_slug=slug, details={"name": name})
    # The address itself stays in the tenant's own trail (user.invited): the
    # platform database keeps no personal data.
    record_event(request, "tenant.admin_invited", tenant_slug=slug,
                 details={"group": FIRST_ADMIN_GROUP})
    request.flash(f"Tenant {slug} created; its first administrator, {admin_email}, was mailed "
                  "an invitation to choose a password.", "success")
    return redirect(request, "platform.tenant", slug=slug)


def _tenant_page(request, slug: str, errors: dict) -> dict:
    tenant = tenant_or_404(request, slug)
    return {
        "tenant": tenant,
        "plugins": sorted(tenant.plugins, key=lambda p: p.plugin),
        "events": recent_events(request, tenant.slug),
        "errors": sentences(errors),
        "section": "tenants",
    }


@view_config(route_name="platform.tenant", request_method="GET",
             permission=OPERATOR_PERMISSION, renderer="platform/tenant.jinja2")
def tenant_detail(request):
    return _tenant_page(request, request.matchdict["slug"], {})


@view_config(route_name="platform.tenant_status", request_method="POST",
             permission=OPERATOR_PERMISSION, recent_auth=True)
def tenant_status(request):
    slug = request.matchdict["slug"]
    status = request.POST.get("status")
    if status not in STATUS_EVENTS:
        raise HTTPNotFound()
    try:
        set_status(request.registry.tenancy, slug, status)
    except TenantNotFound:
        raise HTTPNotFound() from None
    record_event(request, STATUS_EVENTS[status], tenant_slug=slug)
    verb = "suspended" if status == TENANT_SUSPENDED else "resumed"
    request.flash(f"Tenant {slug} {verb}.", "success")
    return redirect(request, "platform.tenant", slug=slug)


@view_config(route_name="platform.tenant_delete", request_method="POST",
             permission=OPERATOR_PERMISSION, renderer="platform/tenant.jinja2", recent_auth=True)
def tenant_delete(request):
    slug = request.matchdict["slug"]
    confirm, _ = form_text(request, "confirm", 80)
    if confirm != slug:
        request.response.status = FORM_INVALID
        return _tenant_page(request, slug, {
            "confirm": f"type the tenant's slug, {slug}, to confirm the deletion."})
    try:
        delete_tenant(request.registry.tenancy, slug)
    except TenantNotFound:
        raise HTTPNotFound() from None
    record_event(request, "tenant.delete", tenant_slug=slug)
    request.flash(f"Tenant {slug} deleted: its database is dropped and its key destroyed.",
                  "success")
    return redirect(request, "platform.tenants")
