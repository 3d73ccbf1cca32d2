"""The administrators' API: incidents, and the blacklist (list, add, remove)."""

from __future__ import annotations

from praxcloud.plugin import (
    SETTINGS_MANAGE,
    ApiError,
    api_view,
    check_json,
    iso_time,
    json_body,
    no_content,
)

from . import admin
from .config import NAME, tenant_settings

ADD = {"type": "object", "required": ["address"], "additionalProperties": False,
       "properties": {"address": {"type": "string", "minLength": 2, "maxLength": 64},
                      "hours": {"type": "number", "exclusiveMinimum": 0, "maximum": 8760}}}
REMOVE = {"type": "object", "required": ["address"], "additionalProperties": False,
          "properties": {"address": {"type": "string", "minLength": 2, "maxLength": 64}}}



def _address(body: dict) -> str:
    address = admin.valid_address(body["address"])
    if address is None:
        raise ApiError("invalid_address", "not an IPv4 or IPv6 address", 422,
                       {"address": "not an IPv4 or IPv6 address"})
    return address


@api_view(route_name="waf.api.incidents", request_method="GET", permission=SETTINGS_MANAGE,
          plugin=NAME)
def incidents(request):
    return {"incidents": [
        {"incident": row.incident, "at": iso_time(row.at), "ip": row.ip, "method": row.method,
         "path": row.path, "score": row.score, "matches": row.matches,
         "blacklisted": row.blacklisted} for row in admin.recent_incidents(request)]}


@api_view(route_name="waf.api.blacklist", request_method="GET", permission=SETTINGS_MANAGE,
          plugin=NAME)
def blacklist(request):
    return {"blacklist": [{"address": address, "until": iso_time(until)}
                          for address, until in admin.blacklist(request)]}


@api_view(route_name="waf.api.blacklist", request_method="POST", permission=SETTINGS_MANAGE,
          plugin=NAME, recent_auth=True)
def blacklist_add(request):
    body = json_body(request)
    check_json(ADD, body)
    admin.add(request, _address(body),
              float(body.get("hours") or tenant_settings(request)["blacklist_hours"]))
    return blacklist(request)


@api_view(route_name="waf.api.blacklist_remove", request_method="POST",
          permission=SETTINGS_MANAGE, plugin=NAME, recent_auth=True)
def blacklist_remove(request):
    body = json_body(request)
    check_json(REMOVE, body)
    if not admin.remove(request, _address(body)):
        raise ApiError("not_found", "this address is not blocked", 404)
    return no_content(request)
