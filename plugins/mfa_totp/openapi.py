"""The plugin's part of the API's OpenAPI document (the ``praxcloud_openapi`` hook).

One operation per route and method of :mod:`.api_views`, with the bodies
those views take and answer. The request schemas repeat the views' own
checks (:data:`.api_views.CONFIRM`, :data:`.api_views.EMPTY`), so a client
generated from the document sends what the views accept; the response
schemas are what the tests hold every answer to.
"""

from __future__ import annotations

from praxcloud.plugin import (
    OpenApiPart,
    api_route_patterns,
    error_response,
    json_response,
    no_content_response,
    operation,
)

from .api_views import CONFIRM, EMPTY
from .codes import DIGITS
from .recovery import ALPHABET, RECOVERY_CODE_COUNT
from .routes import API_ROUTES

PATH = api_route_patterns(API_ROUTES)

# The answers that show a secret or recovery codes are not to be kept by caches.
NO_STORE = {"Cache-Control": {
    "description": "`no-store`: the body holds secrets",
    "schema": {"type": "string", "const": "no-store"}}}
RECOVERY_CODE = {
    "type": "string",
    # Four groups of four base32 characters (80 bits), as recovery.new_code makes them.
    "pattern": f"^[{ALPHABET}]{{4}}(-[{ALPHABET}]{{4}}){{3}}$",
}

SCHEMAS = {
    "TotpStatus": {
        "type": "object",
        "required": ["enrolled", "pending", "confirmed_at", "recovery_codes_left"],
        "additionalProperties": False,
        "properties": {
            "enrolled": {"type": "boolean",
                         "description": "An authenticator app is set up: logins ask for its "
                                        "codes"},
            "pending": {"type": "boolean",
                        "description": "A set-up is waiting for its first code (30 minutes)"},
            "confirmed_at": {"type": ["string", "null"], "format": "date-time",
                             "description": "When the app in use was confirmed; null when "
                                            "none is"},
            "recovery_codes_left": {"type": "integer", "minimum": 0,
                                    "maximum": RECOVERY_CODE_COUNT},
        },
    },
    "TotpEnrolment": {
        "type": "object", "required": ["secret", "otpauth_uri"], "additionalProperties": False,
        "description": "A set-up waiting for its first code: give the secret (or the URI, as a "
                       "QR code) to the authenticator app, then confirm with a code it shows. "
                       "An app already in use keeps working until then.",
        "properties": {
            "secret": {"type": "string", "pattern": "^[A-Z2-7]{32}$",
                       "description": "The shared secret, base32 (160 bits); shown only here"},
            "otpauth_uri": {"type": "string", "pattern": "^otpauth://totp/",
                            "description": f"The secret for apps: HMAC-SHA1, {DIGITS} digits, "
                                           "30-second steps"},
        },
    },
    "TotpConfirmRequest": {
        **CONFIRM,
        "description": f"The {DIGITS}-digit code the authenticator app shows now for the "
                       "secret being set up (spaces are ignored; recovery codes do not "
                       "count here).",
    },
    "TotpRecoveryCodes": {
        "type": "object", "required": ["recovery_codes"], "additionalProperties": False,
        "description": "New single-use recovery codes, shown only in this answer; any earlier "
                       "ones no longer work.",
        "properties": {"recovery_codes": {
            "type": "array", "items": RECOVERY_CODE, "uniqueItems": True,
            "minItems": RECOVERY_CODE_COUNT, "maxItems": RECOVERY_CODE_COUNT}},
    },
    "TotpEmptyRequest": {
        **EMPTY,
        "description": "These requests take no fields: send no body, or `{}`.",
    },
}


def _secret_answer(schema_name: str, description: str) -> dict:
    return {**json_response(schema_name, description), "headers": NO_STORE}


def _optional_empty_body() -> dict:
    return {"required": False, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/TotpEmptyRequest"}}}}


def _change(summary: str, responses: dict, *, op_id: str, body: str | None = None) -> dict:
    """An operation that changes the user's app: it needs a recent password (step-up).

    Without a body schema of its own it takes no fields: no body, or ``{}``
    (:func:`.api_views._no_fields`), the DELETE too.
    """
    responses = {"403": error_response(
        "`reauth_required`: no password confirmation in the last 10 minutes "
        "(POST .../auth/reauth, then retry); or not allowed, or the tenant is suspended"),
        **responses}
    result = operation(summary, responses, op_id=op_id, body=body)
    if body is None:
        result["requestBody"] = _optional_empty_body()
    return result


PATHS = {
    PATH["mfa_totp.api"]: {
        "get": operation(
            "The caller's authenticator app: set up or not, a set-up waiting, recovery "
            "codes left", {"200": json_response("TotpStatus")}, op_id="totpStatus"),
        "delete": _change(
            "Turn the caller's authenticator app off, with its recovery codes",
            {"204": no_content_response("Turned off"),
             "404": error_response("No such tenant, or `totp_not_enrolled`: no app is set up"),
             "409": error_response("`totp_required`: the tenant requires a second factor and "
                                   "this is the caller's only one")},
            op_id="totpDisable"),
    },
    PATH["mfa_totp.api.enrol"]: {"post": _change(
        "Start setting up an authenticator app: a new secret, waiting 30 minutes for its "
        "first code",
        {"200": _secret_answer("TotpEnrolment", "The secret to give the app"),
         "409": error_response("`conflict`: another set-up was started at the same moment")},
        op_id="totpEnrol")},
    PATH["mfa_totp.api.confirm"]: {"post": _change(
        "Confirm the set-up with the app's first code: the app is on, and new recovery "
        "codes are made",
        {"200": _secret_answer("TotpRecoveryCodes", "The app is on; the recovery codes"),
         "409": error_response("`totp_no_enrolment`: no set-up is waiting for a code (it may "
                               "have expired)"),
         "422": error_response("The body does not validate, or the code is refused "
                               "(`fields.code`; `totp_invalid`, `totp_malformed`, "
                               "`totp_clock_skew`, `totp_unavailable`)")},
        op_id="totpConfirm", body="TotpConfirmRequest")},
    PATH["mfa_totp.api.recovery_codes"]: {"post": _change(
        "Make new recovery codes; the earlier ones stop working",
        {"200": _secret_answer("TotpRecoveryCodes", "The new recovery codes"),
         "409": error_response("`totp_not_enrolled`: no authenticator app is set up")},
        op_id="totpRegenerateRecoveryCodes")},
}


def openapi_part() -> OpenApiPart:
    return {"paths": PATHS, "schemas": SCHEMAS}
