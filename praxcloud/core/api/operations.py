"""The core's operations in the JSON API's OpenAPI 3.1 document, and the document itself.

Each path names its parameters, body and answers; every operation gets the
common error answers. The component schemas live in :mod:`.schemas`;
plugins add their parts through :mod:`.document`.
"""

from __future__ import annotations

from functools import cache

from .schemas import SCHEMAS, component_ref

ERROR = {"$ref": "#/components/schemas/Error"}


def _error_response(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ERROR}}}


def _json(schema_ref: str, description: str = "OK") -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": component_ref(schema_ref)}}}


def _body(schema_ref: str) -> dict:
    return {"required": True,
            "content": {"application/json": {"schema": component_ref(schema_ref)}}}


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
                      "409": _error_response(
                         "The change would lock the caller, or the tenant, out of user "
                         "management")},
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
