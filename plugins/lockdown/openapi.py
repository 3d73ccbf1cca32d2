"""The plugin's part of the API's OpenAPI document (the ``praxcloud_openapi`` hook)."""

from __future__ import annotations

from praxcloud.plugin import (
    ID_PARAM,
    OpenApiPart,
    api_route_patterns,
    error_response,
    json_response,
    operation,
)

from .routes import API_ROUTES

PATH = api_route_patterns(API_ROUTES)

SCHEMAS = {
    "LockdownLocks": {
        "type": "object", "required": ["locks"], "additionalProperties": False,
        "properties": {"locks": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["id", "user_id", "email", "locked_at", "reason", "method", "path",
                         "permission", "attempt", "at_tenant"],
            "properties": {
                "id": {"type": "integer"}, "user_id": {"type": "integer"},
                "email": {"type": "string"},
                "locked_at": {"type": "string", "format": "date-time"},
                "reason": {"type": "string", "enum": ["escalation", "repeated_denials"]},
                "method": {"type": ["string", "null"]}, "path": {"type": ["string", "null"]},
                "permission": {"type": ["string", "null"]},
                "attempt": {"type": ["string", "null"],
                            "enum": ["foreign_tenant", "foreign_token", None],
                            "description": "For an attempt the core caught: a session sent "
                                           "to another institution's address, or another "
                                           "user's token replayed"},
                "at_tenant": {"type": ["string", "null"],
                              "description": "The institution whose address was used"},
            }}}},
    },
    "LockdownUnlocked": {
        "type": "object", "required": ["user_id", "email", "is_active"],
        "additionalProperties": False,
        "properties": {"user_id": {"type": "integer"}, "email": {"type": "string"},
                       "is_active": {"type": "boolean", "const": True}},
    },
}

PATHS = {
    PATH["lockdown.api.locks"]: {"get": operation(
        "Users locked out and not yet unlocked", {"200": json_response("LockdownLocks")},
        op_id="lockdownLocks")},
    PATH["lockdown.api.unlock"]: {
        "post": operation("Unlock a user: active again, free to log in",
                          {"200": json_response("LockdownUnlocked"),
                           "404": error_response("`not_found`: no open lock with this id")},
                          op_id="lockdownUnlock", params=(ID_PARAM,))},
}


def openapi_part() -> OpenApiPart:
    return {"paths": PATHS, "schemas": SCHEMAS}
