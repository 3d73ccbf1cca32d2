"""The administrators' API: ``GET`` and ``PUT /api/v1/{tenant}/allowed-networks``.

``PUT`` replaces both lists; a console list that leaves out the caller's
own address is refused (409 ``would_lock_out``) unless the body says
``"confirm_lockout": true``.
"""

from __future__ import annotations

from praxcloud.plugin import (
    SETTINGS_MANAGE,
    ApiError,
    PluginError,
    PluginSettingsInvalid,
    api_view,
    check_json,
    configure_tenant_plugin,
    json_body,
)

from .config import NAME, NETWORK, tenant_settings
from .lockout import CONFIRMED, leaves_out, unreadable

NETWORKS = {"type": "array", "items": NETWORK, "maxItems": 200}
CHANGE = {
    "type": "object", "required": ["console_networks", "api_networks"],
    "additionalProperties": False,
    "properties": {"console_networks": NETWORKS, "api_networks": NETWORKS,
                   "confirm_lockout": {"type": "boolean"}},
}


def _answer(request, settings: dict) -> dict:
    return {"console_networks": settings["console_networks"],
            "api_networks": settings["api_networks"], "your_address": request.client_addr}


@api_view(route_name="ipwhitelist.api", request_method="GET", permission=SETTINGS_MANAGE,
          plugin=NAME)
def show(request):
    return _answer(request, tenant_settings(request))


@api_view(route_name="ipwhitelist.api", request_method="PUT", permission=SETTINGS_MANAGE,
          plugin=NAME, recent_auth=True)
def change(request):
    body = json_body(request)
    check_json(CHANGE, body)
    values = {key: body[key] for key in ("console_networks", "api_networks")}
    bad = unreadable(values)
    if bad:
        raise ApiError("invalid_settings", "an entry is not an IP address or network", 422, bad)
    if leaves_out(values["console_networks"], request):
        if not body.get("confirm_lockout"):
            raise ApiError("would_lock_out", "the console networks leave out your own address "
                           f"({request.client_addr}); send confirm_lockout: true to save them "
                           "all the same", 409, {"console_networks": "leaves out your address"})
        request.environ[CONFIRMED] = True
    try:
        stored = configure_tenant_plugin(request, NAME, values)
    except PluginSettingsInvalid:
        raise  # answered 422 invalid_settings, per field
    except PluginError as exc:
        raise ApiError("networks_refused", str(exc), 422) from None
    return _answer(request, stored)
