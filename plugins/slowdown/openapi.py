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

from .api_views import RELEASE
from .routes import API_ROUTES

PATH = api_route_patterns(API_ROUTES)

SCHEMAS = {
    "SlowdownAccounts": {
        "type": "object", "required": ["accounts"], "additionalProperties": False,
        "properties": {"accounts": {"type": "array", "items": {
            "type": "object", "required": ["login", "failures", "delayed_until"],
            "additionalProperties": False,
            "properties": {
                "login": {"type": "string", "description": "As typed at login, lower case"},
                "failures": {"type": "integer", "minimum": 0,
                             "description": "Failed logins in a row, from every address"},
                "delayed_until": {"type": ["string", "null"], "format": "date-time",
                                  "description": "Until when the account waits, from any "
                                                 "address; null: no wait now"},
            }}}},
    },
    "SlowdownRelease": RELEASE,
}

PATHS = {
    PATH["slowdown.api.accounts"]: {"get": operation(
        "Logins with failed attempts in a row, and their waits",
        {"200": json_response("SlowdownAccounts")}, op_id="slowdownAccounts")},
    PATH["slowdown.api.release"]: {"post": operation(
        "Free a login: every wait on it, from every address, ends",
        {"204": no_content_response("Freed"),
         "422": error_response("The body does not validate")},
        op_id="slowdownRelease", body="SlowdownRelease")},
}


def openapi_part() -> OpenApiPart:
    return {"paths": PATHS, "schemas": SCHEMAS}
