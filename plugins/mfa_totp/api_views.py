"""The API under ``/api/v1/{tenant}/mfa/totp``: status, set up, confirm, turn off, recovery codes.

    GET    .../mfa/totp                 {"enrolled", "pending", "confirmed_at",
                                         "recovery_codes_left"}
    POST   .../mfa/totp/enrol           {"secret", "otpauth_uri"}  (a set-up waiting for a code)
    POST   .../mfa/totp/confirm         {"code"} -> {"recovery_codes": [...]}
    DELETE .../mfa/totp                 204
    POST   .../mfa/totp/recovery-codes  {"recovery_codes": [...]}  (the earlier ones stop working)

Every change needs a recent password (403 ``reauth_required``: POST
``.../auth/reauth`` and retry). Bodies are checked strictly: unknown fields
and wrong types are 422, bad JSON 400, all errors in the API's JSON shape.
"""

from __future__ import annotations

from praxcloud.plugin import (
    AUTHENTICATED,
    ApiError,
    SecondFactorFailed,
    api_view,
    check_json,
    enrolment_done,
    iso_time,
    json_body,
    no_content,
)

from .config import NAME
from .service import NotEnrolled, TotpService

EMPTY = {"type": "object", "additionalProperties": False, "properties": {}}
CONFIRM = {
    "type": "object", "required": ["code"], "additionalProperties": False,
    "properties": {"code": {"type": "string", "minLength": 1, "maxLength": 100}},
}



def _check(schema: dict, body: dict) -> dict:
    """422 naming each bad field, in the same words as the core's own bodies."""
    check_json(schema, body)
    return body


def _no_fields(request) -> None:
    """These requests take no body; an empty one, or ``{}``, is fine."""
    if (request.body or b"").strip():
        _check(EMPTY, json_body(request))


def _user(request):
    return request.praxcloud_identity.user


def _codes_answer(request, codes: list[str]) -> dict:
    request.response.headers["Cache-Control"] = "no-store"
    return {"recovery_codes": codes}


@api_view(route_name="mfa_totp.api", request_method="GET", permission=AUTHENTICATED,
          plugin=NAME)
def status(request):
    found = TotpService(request).status(_user(request))
    return {**found, "confirmed_at": iso_time(found["confirmed_at"])}


@api_view(route_name="mfa_totp.api.enrol", request_method="POST", permission=AUTHENTICATED,
          plugin=NAME, recent_auth=True)
def enrol(request):
    _no_fields(request)
    service = TotpService(request)
    user = _user(request)
    secret = service.start_enrolment(user)
    request.response.headers["Cache-Control"] = "no-store"
    return {"secret": secret, "otpauth_uri": service.uri_for(user, secret)}


@api_view(route_name="mfa_totp.api.confirm", request_method="POST", permission=AUTHENTICATED,
          plugin=NAME, recent_auth=True)
def confirm(request):
    body = _check(CONFIRM, json_body(request))
    try:
        codes = TotpService(request).confirm(_user(request), body["code"])
    except NotEnrolled:
        raise ApiError("totp_no_enrolment", "no set-up is waiting for a code (it may have "
                       "expired): POST .../mfa/totp/enrol first", 409) from None
    except SecondFactorFailed as exc:
        if exc.code == "totp_unavailable":
            # The server cannot open the secret: not the code's fault, and nothing changed.
            raise ApiError(exc.code, exc.message, 503) from None
        raise ApiError(exc.code, exc.message, 422, {"code": exc.message}) from None
    enrolment_done(request)
    return _codes_answer(request, codes)


@api_view(route_name="mfa_totp.api", request_method="DELETE", permission=AUTHENTICATED,
          plugin=NAME, recent_auth=True)
def disable(request):
    _no_fields(request)
    service = TotpService(request)
    user = _user(request)
    if not service.removal_allowed(user):
        raise ApiError("totp_required", "the institution requires a second factor for this "
                       "account: set up another one first", 409)
    try:
        service.disable(user)
    except NotEnrolled:
        raise ApiError("totp_not_enrolled", "no authenticator app is set up", 404) from None
    return no_content(request)


@api_view(route_name="mfa_totp.api.recovery_codes", request_method="POST", recent_auth=True,
          permission=AUTHENTICATED, plugin=NAME)
def regenerate_recovery_codes(request):
    _no_fields(request)
    try:
        codes = TotpService(request).regenerate_recovery_codes(_user(request))
    except NotEnrolled:
        raise ApiError("totp_not_enrolled", "no authenticator app is set up", 409) from None
    return _codes_answer(request, codes)

