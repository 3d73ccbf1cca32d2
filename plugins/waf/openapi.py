"""The plugin's part of the API's OpenAPI document (the ``praxcloud_openapi`` hook)."""

from __future__ import annotations

from praxcloud.plugin import (
    OpenApiPart,
    api_route_patterns,
    error_response,
    json_response,
    no_content_response,
    operation,
)

from .api_views import ADD, REMOVE
from .routes import API_ROUTES

PATH = api_route_patterns(API_ROUTES)
BLACKLIST = {
    "type": "object", "required": ["blacklist"], "additionalProperties": False,
    "properties": {"blacklist": {"type": "array", "items": {
        "type": "object", "required": ["address", "until"], "additionalProperties": False,
        "properties": {"address": {"type": "string"},
                       "until": {"type": "string", "format": "date-time"}}}}},
}
SCHEMAS = {
    "WafIncidents": {
        "type": "object", "required": ["incidents"], "additionalProperties": False,
        "properties": {"incidents": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["incident", "at", "ip", "method", "path", "score", "matches",
                         "blacklisted"],
            "properties": {
                "incident": {"type": "string", "description": "The id the user was shown"},
                "at": {"type": "string", "format": "date-time"},
                "ip": {"type": ["string", "null"]}, "method": {"type": "string"},
                "path": {"type": "string"}, "score": {"type": "integer"},
                "blacklisted": {"type": "boolean",
                                "description": "This incident put the address on the "
                                               "blacklist"},
                "matches": {"type": "array", "items": {
                    "type": "object", "required": ["where", "rules", "excerpt"],
                    "additionalProperties": False,
                    "properties": {"where": {"type": "string"},
                                   "rules": {"type": "array", "items": {"type": "string"}},
                                   "excerpt": {"type": "string",
                                               "description": "The value's shape: letters "
                                                              "and digits masked"}}}},
            }}}},
    },
    "WafBlacklist": BLACKLIST,
    "WafBlacklistAdd": ADD,
    "WafBlacklistRemove": REMOVE,
}
PATHS = {
    PATH["waf.api.incidents"]: {"get": operation(
        "The most recent blocked requests (100)", {"200": json_response("WafIncidents")},
        op_id="wafIncidents")},
    PATH["waf.api.blacklist"]: {
        "get": operation("Addresses blocked now, and until when",
                         {"200": json_response("WafBlacklist")}, op_id="wafBlacklist"),
        "post": operation("Block an address for some hours (the tenant's default when left "
                          "out)", {"200": json_response("WafBlacklist"),
                                   "422": error_response("Not an address, or the body does "
                                                         "not validate")},
                          op_id="wafBlacklistAdd", body="WafBlacklistAdd")},
    PATH["waf.api.blacklist_remove"]: {"post": operation(
        "Unblock an address", {"204": no_content_response("Unblocked"),
                               "404": error_response("`not_found`: the address is not "
                                                     "blocked")},
        op_id="wafBlacklistRemove", body="WafBlacklistRemove")},
}


def openapi_part() -> OpenApiPart:
    return {"paths": PATHS, "schemas": SCHEMAS}
