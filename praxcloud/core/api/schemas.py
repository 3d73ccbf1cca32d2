"""The OpenAPI 3.1 document of the JSON API, and request validation against it.

Request bodies are validated against the same component schemas that the
document publishes, so the document cannot drift from what the API accepts.
"""

from __future__ import annotations

import copy
from functools import cache

import jsonschema
from jsonschema import Draft202012Validator, FormatChecker

from ..errors import ApiError
from ..schema_messages import PATTERN_MESSAGE, field_messages

ERROR = {"$ref": "#/components/schemas/Error"}


def _error_response(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ERROR}}}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema_ref: str, description: str = "OK") -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": _ref(schema_ref)}}}


def _body(schema_ref: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": _ref(schema_ref)}}}


TENANT = {"name": "tenant", "in": "path", "required": True,
          "schema": {"type": "string", "pattern": "^[a-z][a-z0-9-]{1,38}[a-z0-9]$"}}
ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
COMMON_ERRORS = {
    "400": _error_response("Malformed request: bad JSON, bad encoding or a bad query parameter"),
    "401": _error_response("Not logged in, or the token is invalid or expired"),
    "403": _error_response("Not allowed, the tenant is suspended, or a request check refused it"),
    "404": _error_response("No such tenant or object"),
    "405": _error_response("The resource does not have this method (see Allow)"),
    "413": _error_response("Body too large"),
    "415": _error_response("Body is not JSON"),
    "422": _error_response("Body does not validate"),
    "429": _error_response("Refused for now; see Retry-After"),
    "500": _error_response("Unexpected error on the server"),
    "503": _error_response("A security feature of the tenant is unavailable"),
}
SECURED = [{"bearer": []}]

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
                                      "additionalProperties": {"type": "string"}}}}},
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
        "properties": {"items": {"type": "array", "items": _ref("Session")}},
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
                     "created_at", "updated_at", "last_activity_at"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"},
            "email": NULLABLE_STRING, "phone": NULLABLE_STRING,
            "date_of_birth": {"type": ["string", "null"], "format": "date"},
            "notes": {"type": "string"}, "fields": {"type": "object"},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "last_activity_at": {"type": "string", "format": "date-time"},
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


def _op(summary: str, responses: dict, *, body: str | None = None, secured: bool = True,
        params: list | None = None, op_id: str, tenant: bool = True) -> dict:
    operation = {"summary": summary, "operationId": op_id,
                 "parameters": [*([TENANT] if tenant else []), *(params or [])],
                 "responses": {**responses, **{k: v for k, v in COMMON_ERRORS.items()
                                               if k not in responses}}}
    if body:
        operation["requestBody"] = _body(body)
    operation["security"] = SECURED if secured else []
    return operation


PAGE_PARAMS = [
    {"name": "q", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 200}},
    {"name": "page", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "default": 1}},
    {"name": "per_page", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
]

SUBJECT_PARAMS = [
    {"name": "record_id", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1}},
    {"name": "user_id", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1}},
    {"name": "email", "in": "query", "required": False,
     "schema": {"type": "string", "maxLength": 254}},
]

PATHS = {
    "/api/v1/openapi.json": {"get": _op(
        "This document", {"200": {"description": "The OpenAPI document", "content": {
            "application/json": {"schema": {"type": "object", "required": ["openapi", "paths"]}}}}},
        secured=False, tenant=False, op_id="openapi")},
    "/api/v1/{tenant}/auth/login": {"post": _op(
        "Log in with e-mail and password", {
            "200": {"description": "Logged in, or a second factor is needed", "content": {
                "application/json": {"schema": {"oneOf": [
                    {"$ref": "#/components/schemas/Token"},
                    {"$ref": "#/components/schemas/MfaRequired"}]}}}},
            "429": _error_response("Refused for now; see Retry-After")},
        body="LoginRequest", secured=False, op_id="login")},
    "/api/v1/{tenant}/auth/mfa": {"post": _op(
        "Complete a login with a second factor", {"200": _json("Token"),
                                                   "429": _error_response("Too many attempts")},
        body="MfaRequest", secured=False, op_id="loginMfa")},
    "/api/v1/{tenant}/auth/logout": {"post": _op(
        "Revoke the token used", {"204": {"description": "Logged out"}}, op_id="logout")},
    "/api/v1/{tenant}/auth/forgot-password": {"post": _op(
        "Mail a password-reset link (same answer whether the account exists or not)",
        {"202": _json("Message", "Accepted")}, body="ForgotPasswordRequest", secured=False,
        op_id="forgotPassword")},
    "/api/v1/{tenant}/auth/reset-password": {"post": _op(
        "Set a new password with a reset token", {"204": {"description": "Password set"}},
        body="ResetPasswordRequest", secured=False, op_id="resetPassword")},
    "/api/v1/{tenant}/auth/reauth": {"post": _op(
        "Confirm one's password for sensitive actions in the next 10 minutes; "
        "five wrong passwords end the session",
        {"200": _json("Reauthenticated")}, body="ReauthRequest", op_id="reauthenticate")},
    "/api/v1/{tenant}/me": {"get": _op("The logged-in user", {"200": _json("Me")}, op_id="me")},
    "/api/v1/{tenant}/me/password": {"post": _op(
        "Change one's password; other sessions end. Wrong current passwords count with "
        "wrong re-authentications: the fifth ends the session",
        {"204": {"description": "Changed"}},
        body="ChangePasswordRequest", op_id="changePassword")},
    "/api/v1/{tenant}/sessions": {"get": _op(
        "One's live sessions", {"200": _json("SessionList")}, op_id="listSessions")},
    "/api/v1/{tenant}/sessions/{id}": {"delete": _op(
        "Revoke one of one's sessions", {"204": {"description": "Revoked"}}, params=[ID],
        op_id="revokeSession")},
    "/api/v1/{tenant}/records": {
        "get": _op("List and search records", {"200": _json("RecordPage")}, params=PAGE_PARAMS,
                   op_id="listRecords"),
        "post": _op("Create a record", {"201": _json("Record", "Created")}, body="RecordInput",
                    op_id="createRecord"),
    },
    "/api/v1/{tenant}/records/{id}": {
        "get": _op("Read a record", {"200": _json("Record")}, params=[ID], op_id="getRecord"),
        "patch": _op("Change a record", {"200": _json("Record")}, params=[ID], body="RecordInput",
                     op_id="updateRecord"),
        "delete": _op("Delete a record", {"204": {"description": "Deleted"}}, params=[ID],
                      op_id="deleteRecord"),
    },
    "/api/v1/{tenant}/users": {
        "get": _op("List the tenant's users (users.manage)", {"200": _json("UserPage")},
                   params=PAGE_PARAMS, op_id="listUsers"),
        "post": _op("Create a user (users.manage); without a password, the user is mailed "
                    "a welcome invitation to choose one",
                    {"201": _json("User", "Created"),
                     "409": _error_response("A user with this e-mail exists")},
                    body="UserInput", op_id="createUser"),
    },
    "/api/v1/{tenant}/users/{id}": {
        "get": _op("Read a user (users.manage)", {"200": _json("User")}, params=[ID],
                   op_id="getUser"),
        "patch": _op("Change a user's name, groups or active flag (users.manage); "
                     "deactivating ends their sessions",
                     {"200": _json("User"),
                      "409": _error_response("The change would lock the caller out")},
                     params=[ID], body="UserChange", op_id="updateUser"),
    },
    "/api/v1/{tenant}/users/{id}/sessions": {"delete": _op(
        "End every session of a user (sessions.manage); one's own current session stays",
        {"200": _json("Revoked")}, params=[ID], op_id="revokeUserSessions")},
    "/api/v1/{tenant}/users/{id}/second-factors": {"delete": _op(
        "Remove every second factor of a user (users.manage, recent re-authentication); "
        "audited, the user is told by mail",
        {"200": _json("SecondFactorsReset")}, params=[ID], op_id="resetUserSecondFactors")},
    "/api/v1/{tenant}/users/{id}/invitation": {"post": _op(
        "Mail a user a new welcome invitation (users.manage, recent re-authentication); "
        "earlier links stop working",
        {"202": _json("InvitationSent", "Mailed"),
         "409": _error_response("The user is deactivated or has already chosen a password")},
        params=[ID], op_id="sendUserInvitation")},
    "/api/v1/{tenant}/audit/subject": {"get": _op(
        "Data subject access report (audit.read): every audit entry that touched one "
        "person's data, by record id, user id or e-mail address (exactly one); audited",
        {"200": _json("SubjectReport")}, params=SUBJECT_PARAMS, op_id="auditSubjectReport")},
}


@cache
def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "PraxCloud API", "version": "1",
                 "description": "Tenant-scoped JSON API. Authenticate with "
                                "`Authorization: Bearer <token>` from /auth/login."},
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
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


__all__ = ["openapi_document", "validate", "check", "jsonschema"]
