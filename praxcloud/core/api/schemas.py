"""The component schemas of the JSON API's OpenAPI 3.1 document, and request validation.

Request bodies are validated against the same component schemas that the
document publishes (:mod:`.operations` puts them together with the paths), so
the document cannot drift from what the API accepts.
"""

from __future__ import annotations

import copy
from functools import cache

import jsonschema
from jsonschema import Draft202012Validator, FormatChecker

from ..errors import ApiError
from ..schema_messages import PATTERN_MESSAGE, field_messages


def component_ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


NULLABLE_STRING = {"type": ["string", "null"]}
# A record's free fields: a flat map of short names to scalar values.
FREE_FIELDS = {
    "type": "object", "maxProperties": 100,
    "propertyNames": {"minLength": 1, "maxLength": 100},
    "additionalProperties": {"type": ["string", "number", "boolean", "null"], "maxLength": 2000},
}
EMAIL = {"type": "string", "minLength": 3, "maxLength": 254, "pattern": "^[^@\\s]+@[^@\\s]+$",
         PATTERN_MESSAGE: "enter an e-mail address like name@example.org"}
GROUP_NAMES = {"type": "array", "maxItems": 50, "uniqueItems": True,
               "items": {"type": "string", "minLength": 1, "maxLength": 80}}

SCHEMAS = {
    "Error": {
        "type": "object", "required": ["error"], "additionalProperties": False,
        "properties": {"error": {
            "type": "object", "required": ["code", "message", "fields"],
            "additionalProperties": False,
            "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                           "fields": {"type": "object",
                                      "additionalProperties": {"type": "string"}},
                           # Only with a required action's 403 (code "required_action"
                           # or the action's own, e.g. "password_expired"): what to do now.
                           "action": {"type": "string"},
                           # Only when a request check (a WAF) refused the request: the id
                           # the user can quote to the administrators.
                           "incident": {"type": "string"}}}},
    },
    "LoginRequest": {
        "type": "object", "required": ["email", "password"], "additionalProperties": False,
        "properties": {"email": {"type": "string", "minLength": 1, "maxLength": 254},
                       "password": {"type": "string", "minLength": 1, "maxLength": 1024}},
    },
    "Token": {
        "type": "object", "required": ["token", "expires_at"], "additionalProperties": False,
        "properties": {"token": {"type": "string", "minLength": 22},
                       "expires_at": {"type": "string", "format": "date-time"}},
    },
    "MfaRequired": {
        "type": "object", "required": ["mfa_required", "mfa_token"], "additionalProperties": False,
        "properties": {"mfa_required": {"type": "array", "items": {"type": "string"}},
                       "mfa_token": {"type": "string"}},
    },
    "MfaRequest": {
        "type": "object", "required": ["mfa_token", "method"], "additionalProperties": False,
        "description": "The answer for one of the methods login offered: `code` for "
                       "code-based methods (TOTP, recovery codes), `credential` for "
                       "WebAuthn assertions.",
        "properties": {"mfa_token": {"type": "string", "minLength": 1, "maxLength": 200},
                       "method": {"type": "string", "minLength": 1, "maxLength": 40},
                       "code": {"type": "string", "minLength": 1, "maxLength": 64},
                       "credential": {"type": "object", "maxProperties": 20}},
    },
    "ForgotPasswordRequest": {
        "type": "object", "required": ["email"], "additionalProperties": False,
        "properties": {"email": {"type": "string", "minLength": 1, "maxLength": 254}},
    },
    "ResetPasswordRequest": {
        "type": "object", "required": ["token", "password"], "additionalProperties": False,
        "properties": {"token": {"type": "string", "minLength": 1, "maxLength": 200},
                       "password": {"type": "string", "minLength": 1, "maxLength": 1024}},
    },
    "ChangePasswordRequest": {
        "type": "object", "required": ["current_password", "new_password"],
        "additionalProperties": False,
        "properties": {"current_password": {"type": "string", "maxLength": 1024},
                       "new_password": {"type": "string", "minLength": 1, "maxLength": 1024}},
    },
    "Message": {
        "type": "object", "required": ["message"], "additionalProperties": False,
        "properties": {"message": {"type": "string"}},
    },
    "Me": {
        "type": "object", "required": ["id", "email", "display_name", "groups", "permissions",
                                       "tenant"],
        "additionalProperties": False,
        "properties": {"id": {"type": "integer"}, "email": {"type": "string"},
                       "display_name": {"type": "string"},
                       "groups": {"type": "array", "items": {"type": "string"}},
                       "permissions": {"type": "array", "items": {"type": "string"}},
                       "tenant": {"type": "object", "required": ["slug", "name"],
                                  "properties": {"slug": {"type": "string"},
                                                 "name": {"type": "string"}}}},
    },
    "Session": {
        "type": "object",
        "required": ["id", "kind", "created_at", "last_seen_at", "expires_at", "ip", "user_agent",
                     "current"],
        "additionalProperties": False,
        "properties": {"id": {"type": "integer"}, "kind": {"type": "string"},
                       "created_at": {"type": "string", "format": "date-time"},
                       "last_seen_at": {"type": "string", "format": "date-time"},
                       "expires_at": {"type": "string", "format": "date-time"},
                       "ip": NULLABLE_STRING, "user_agent": NULLABLE_STRING,
                       "current": {"type": "boolean"}},
    },
    "SessionList": {
        "type": "object", "required": ["items"], "additionalProperties": False,
        "properties": {"items": {"type": "array", "items": component_ref("Session")}},
    },
    "RecordInput": {
        "type": "object", "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 200},
            "email": {"type": ["string", "null"], "maxLength": 254, "format": "email"},
            "phone": {"type": ["string", "null"], "maxLength": 40,
                      "pattern": "^[0-9+()\\-. ]{3,40}$",
                      PATTERN_MESSAGE: "use digits, spaces and + ( ) - . only, "
                                       "at least 3 characters"},
            "date_of_birth": {"type": ["string", "null"], "format": "date"},
            "notes": {"type": "string", "maxLength": 20000},
            "fields": FREE_FIELDS,
        },
    },
    "Record": {
        "type": "object",
        "required": ["id", "name", "email", "phone", "date_of_birth", "notes", "fields",
                     "created_at", "updated_at", "last_activity_at", "anonymised_at"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"},
            "email": NULLABLE_STRING, "phone": NULLABLE_STRING,
            "date_of_birth": {"type": ["string", "null"], "format": "date"},
            "notes": {"type": "string"}, "fields": {"type": "object"},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "last_activity_at": {"type": "string", "format": "date-time"},
            "anonymised_at": {"type": ["string", "null"], "format": "date-time",
                              "description": "When the anonymiser plugin anonymised the "
                                             "record (its fields are then no longer personal)"},
        },
    },
    "UserInput": {
        "type": "object", "required": ["email", "groups"], "additionalProperties": False,
        "properties": {"email": EMAIL,
                       "display_name": {"type": "string", "maxLength": 200},
                       "groups": GROUP_NAMES,
                       "password": {"type": "string", "minLength": 1, "maxLength": 1024}},
    },
    "UserChange": {
        "type": "object", "additionalProperties": False,
        "properties": {"display_name": {"type": "string", "maxLength": 200},
                       "groups": GROUP_NAMES,
                       "is_active": {"type": "boolean"}},
    },
    "User": {
        "type": "object",
        "required": ["id", "email", "display_name", "groups", "is_active", "created_at",
                     "last_login_at"],
        "additionalProperties": False,
        "properties": {"id": {"type": "integer"}, "email": {"type": "string"},
                       "display_name": {"type": "string"},
                       "groups": {"type": "array", "items": {"type": "string"}},
                       "is_active": {"type": "boolean"},
                       "created_at": {"type": "string", "format": "date-time"},
                       "last_login_at": {"type": ["string", "null"], "format": "date-time"}},
    },
    "UserPage": {
        "type": "object", "required": ["items", "page", "per_page", "total"],
        "additionalProperties": False,
        "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/User"}},
                       "page": {"type": "integer", "minimum": 1},
                       "per_page": {"type": "integer", "minimum": 1, "maximum": 200},
                       "total": {"type": "integer", "minimum": 0}},
    },
    "ReauthRequest": {
        "type": "object", "required": ["password"], "additionalProperties": False,
        "description": "Step-up: the caller's password, before a sensitive action "
                       "(changing second factors, managing users).",
        "properties": {"password": {"type": "string", "minLength": 1, "maxLength": 1024}},
    },
    "Reauthenticated": {
        "type": "object", "required": ["reauthenticated_until"], "additionalProperties": False,
        "properties": {"reauthenticated_until": {"type": "string", "format": "date-time"}},
    },
    "SecondFactorsReset": {
        "type": "object", "required": ["removed"], "additionalProperties": False,
        "properties": {"removed": {"type": "array", "items": {"type": "string"}}},
    },
    "InvitationSent": {
        "type": "object", "required": ["event", "expires_at"], "additionalProperties": False,
        "properties": {"event": {"enum": ["user.invited", "user.invitation_resent"]},
                       "expires_at": {"type": "string", "format": "date-time"}},
    },
    "Revoked": {
        "type": "object", "required": ["revoked"], "additionalProperties": False,
        "properties": {"revoked": {"type": "integer", "minimum": 0}},
    },
    "AuditEntry": {
        "type": "object",
        "required": ["id", "at", "event", "outcome", "role", "actor", "actor_id", "ip",
                     "target", "details"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"}, "at": {"type": "string", "format": "date-time"},
            "event": {"type": "string"}, "outcome": {"type": "string"},
            "role": {"enum": ["subject", "actor"],
                     "description": "subject: the entry names the person's data; actor: "
                                    "the person did it to someone else's data (withheld)"},
            "actor": NULLABLE_STRING, "actor_id": {"type": ["integer", "null"]},
            "ip": NULLABLE_STRING, "target": NULLABLE_STRING, "details": {"type": "object"},
        },
    },
    "SubjectReport": {
        "type": "object", "required": ["subject", "items", "total"],
        "additionalProperties": False,
        "properties": {
            "subject": {
                "type": "object",
                "required": ["kind", "value", "label", "record_ids", "user_ids"],
                "additionalProperties": False,
                "properties": {
                    "kind": {"enum": ["record", "user", "email"]},
                    "value": {"type": "string"}, "label": {"type": "string"},
                    "record_ids": {"type": "array", "items": {"type": "integer"}},
                    "user_ids": {"type": "array", "items": {"type": "integer"}},
                },
            },
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/AuditEntry"}},
            "total": {"type": "integer", "minimum": 0},
        },
    },
    "RecordPage": {
        "type": "object", "required": ["items", "page", "per_page", "total"],
        "additionalProperties": False,
        "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Record"}},
                       "page": {"type": "integer", "minimum": 1},
                       "per_page": {"type": "integer", "minimum": 1, "maximum": 200},
                       "total": {"type": "integer", "minimum": 0}},
    },
}


@cache
def _validator(name: str) -> Draft202012Validator:
    schema = copy.deepcopy(SCHEMAS[name])
    schema["$defs"] = {}
    resolver_doc = {"components": {"schemas": SCHEMAS}, **schema}
    return Draft202012Validator(resolver_doc, format_checker=FormatChecker())


def validate(name: str, instance: dict) -> None:
    """Raise a 422 ApiError naming each bad field, in words (``schema_messages``)."""
    _refuse(_validator(name).iter_errors(instance))


def check(schema: dict, instance: dict) -> None:
    """The same for a schema of one's own (a plugin's body), in the same words as the core's."""
    _refuse(Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(instance))


def _refuse(errors) -> None:
    fields = field_messages(errors)
    if fields:
        raise ApiError("validation_failed", "the request body does not validate", 422, fields)


__all__ = ["validate", "check", "jsonschema"]
