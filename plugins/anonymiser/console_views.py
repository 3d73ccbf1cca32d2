"""The administrators' pages: the policy with its dry-run report and last runs, and erasing
a person (a form, a confirmation page naming what will go, then the receipt)."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config

from praxcloud.plugin import (
    RECORDS_ERASE,
    SETTINGS_MANAGE,
    PraxError,
    form_text,
    object_id,
    redirect,
)

from . import erasure, policy
from .config import NAME, STRATEGIES, policy_version, strategies, tenant_settings
from .models import Receipt

TEMPLATES = "plugins.anonymiser:templates/"


@view_config(route_name="anonymiser.policy", request_method="GET", permission=SETTINGS_MANAGE,
             plugin=NAME, renderer=TEMPLATES + "policy.jinja2")
def policy_page(request):
    settings = tenant_settings(request)
    version = policy_version(settings)
    db = request.tenant_db
    return {"settings": settings, "strategies": strategies(settings), "fields": list(STRATEGIES),
            "version": version, "report": policy.latest_dry_run(db, version),
            "runs": policy.last_runs(db)}


@view_config(route_name="anonymiser.dry_run", request_method="POST", permission=SETTINGS_MANAGE,
             plugin=NAME)
def dry_run(request):
    run = policy.dry_run(request, "console")
    request.flash(f"Dry run done: {run.records} records would be anonymised now. Nothing was "
                  f"changed.", "success")
    return redirect(request, "anonymiser.policy")


@view_config(route_name="anonymiser.run", request_method="POST", permission=SETTINGS_MANAGE,
             plugin=NAME, recent_auth=True)
def run_now(request):
    version = policy_version(tenant_settings(request))
    if not policy.dry_run_seen(request.tenant_db, version):
        request.flash("Run a dry run of this policy and read its report first.", "error")
        return redirect(request, "anonymiser.policy")
    from .tasks import anonymise_tenant

    anonymise_tenant.delay(request.tenant.slug)
    request.flash("The policy is being applied; its run appears below.", "success")
    return redirect(request, "anonymiser.policy")


@view_config(route_name="anonymiser.erase", request_method="GET", permission=RECORDS_ERASE,
             plugin=NAME, renderer=TEMPLATES + "erase.jinja2")
def erase_form(request):
    return {"person": None, "error": None, "record_id": form_text(request.GET, "record"),
            "email": ""}


@view_config(route_name="anonymiser.erase", request_method="POST", permission=RECORDS_ERASE,
             plugin=NAME, recent_auth=True, renderer=TEMPLATES + "erase.jinja2")
def erase(request):
    record_text = form_text(request.POST, "record").strip()
    email = form_text(request.POST, "email").strip()
    page = {"person": None, "error": None, "record_id": record_text, "email": email}
    if bool(record_text) == bool(email):
        page["error"] = "Give a record id or an e-mail address (one of them)."
        request.response.status = 422
        return page
    if record_text and not record_text.isdigit():
        page["error"] = "A record id is a number."
        request.response.status = 422
        return page
    person = {"record_id": int(record_text) if record_text else None, "email": email or None}
    try:
        if form_text(request.POST, "confirm") != "yes":
            page["person"] = erasure.find_person(request.tenant_db, **person)
            return page
        receipt = erasure.erase(request, by="console",
                                by_user_id=request.praxcloud_identity.user_id, **person)
    except PraxError as exc:
        page["error"] = exc.message[:1].upper() + exc.message[1:] + "."
        request.response.status = exc.status
        return page
    request.flash("The person was erased. Keep this receipt.", "success")
    return redirect(request, "anonymiser.receipt", id=receipt.id)


@view_config(route_name="anonymiser.receipt", request_method="GET", permission=RECORDS_ERASE,
             plugin=NAME, renderer=TEMPLATES + "receipt.jinja2")
def receipt_page(request):
    receipt = request.tenant_db.get(Receipt, object_id(request))
    if receipt is None:
        raise HTTPNotFound()
    return {"receipt": receipt}
