"""The administrators' page: the allowed networks of the console and the API.

Shows the address the administrator is using and whether each list lets it
in. Saving a console list that would shut that address out shows the
lists again with a warning and a box to tick; only then is it saved.
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from praxcloud.plugin import (
    FORM_INVALID,
    SETTINGS_MANAGE,
    PluginError,
    PluginSettingsInvalid,
    configure_tenant_plugin,
)

from .config import NAME, tenant_settings
from .lockout import CONFIRMED, leaves_out, unreadable
from .networks import BadNetwork, allows

TEMPLATES = "plugins.ipwhitelist:templates/"
FIELDS = ("console_networks", "api_networks")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


def _lets_in(entries: list[str], address: str | None) -> bool:
    try:
        return allows(entries, address)
    except BadNetwork:
        return False  # shown as leaving it out while an entry is unreadable


def _page(request, values: dict, errors: dict | None = None, confirm: bool = False) -> dict:
    address = request.client_addr
    return {"values": values, "errors": errors or {}, "confirm": confirm, "address": address,
            "console_ok": _lets_in(values["console_networks"], address),
            "api_ok": _lets_in(values["api_networks"], address)}


@view_config(route_name="ipwhitelist.manage", request_method="GET", permission=SETTINGS_MANAGE,
             plugin=NAME, renderer=TEMPLATES + "manage.jinja2")
def manage(request):
    settings = tenant_settings(request)
    return _page(request, {key: settings[key] for key in FIELDS})


@view_config(route_name="ipwhitelist.manage", request_method="POST", permission=SETTINGS_MANAGE,
             plugin=NAME, renderer=TEMPLATES + "manage.jinja2", recent_auth=True)
def save(request):
    values = {key: _lines(request.POST.get(key, ""))[:200] for key in FIELDS}
    bad = unreadable(values)
    if bad:
        request.response.status = FORM_INVALID
        return _page(request, values, {key: f"{message[0].upper()}{message[1:]}."
                                       for key, message in bad.items()},
                     confirm=request.POST.get("confirm_lockout") == "on")
    if leaves_out(values["console_networks"], request):
        if request.POST.get("confirm_lockout") != "on":
            request.response.status = FORM_INVALID
            return _page(request, values, {"console_networks": (
                f"This list leaves out the address you are using ({request.client_addr}): "
                "once saved, this browser cannot reach the console from here. Tick the box "
                "below to save it all the same.")}, confirm=True)
        request.environ[CONFIRMED] = True
    try:
        configure_tenant_plugin(request, NAME, values)
    except PluginSettingsInvalid as exc:
        request.response.status = FORM_INVALID
        return _page(request, values, {key.split(".")[0].split("[")[0]: str(message)
                                       for key, message in exc.fields.items()})
    except PluginError as exc:
        request.response.status = FORM_INVALID
        return _page(request, values, {"_form": str(exc)})
    request.flash("Allowed networks saved.", "success")
    return HTTPSeeOther(request.route_url("ipwhitelist.manage", tenant=request.tenant.slug))
