"""The JSON API: keys of the logged-in user, registration, the second factor's options, passkeys.

Bodies are checked field by field; every error is ``{"error": {...}}`` with
a 4xx: a WebAuthn response that is malformed or not accepted is a 400,
never a 500. Changing keys needs a recent login (403 ``reauth_required``,
then ``POST .../auth/reauth``).
"""

from __future__ import annotations

import re

from pyramid.httpexceptions import HTTPNotFound

from praxcloud.plugin import (
    AUTHENTICATED,
    KIND_API,
    ApiError,
    api_view,
    check_login_allowed,
    enrolment_done,
    iso_time,
    json_body,
    load_challenge,
    no_content,
    open_session,
)

from . import events
from .passkeys import TooManyChallenges, passkey_assertion, passkey_options
from .second_factor import start_second_factor
from .service import (
    METHOD,
    WebauthnRejected,
    credential_of,
    credentials_of,
    record_use,
    register,
    registration_options,
    removal_blocked,
    remove,
    rename,
)
from .tenant_settings import NAME, passwordless_allowed

ID_RE = re.compile(r"[1-9][0-9]{0,9}")
MAX_ID = 2**31 - 1


def key_json(key) -> dict:
    return {"id": key.id, "name": key.name, "created_at": iso_time(key.created_at),
            "last_used_at": iso_time(key.last_used_at), "transports": list(key.transports or ()),
            "discoverable": key.discoverable}


def rejected(exc: WebauthnRejected) -> ApiError:
    if exc.code == "invalid_name":
        return ApiError("validation_failed", exc.message, 422, {"name": exc.message})
    if exc.code == "too_many_keys":
        return ApiError(exc.code, exc.message, 409)
    return ApiError(exc.code, exc.message, 400)


def body_with(request, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict:
    """The JSON object body with exactly these fields (all ``required`` present)."""
    body = json_body(request)
    fields = {name: "is required" for name in required if name not in body}
    fields.update({name: "unknown field" for name in body
                   if name not in required and name not in optional})
    if fields:
        raise ApiError("validation_failed", "the request body does not validate", 422, fields)
    return body


def string_field(body: dict, name: str, max_length: int = 500) -> str:
    value = body[name]
    if not isinstance(value, str) or not value or len(value) > max_length:
        raise ApiError("validation_failed", "the request body does not validate", 422,
                       {name: f"must be a non-empty string of at most {max_length} characters"})
    return value


def object_field(body: dict, name: str) -> dict:
    if not isinstance(body[name], dict):
        raise ApiError("validation_failed", "the request body does not validate", 422,
                       {name: "must be a JSON object (the WebAuthn credential)"})
    return body[name]


def own_key(request):
    raw = request.matchdict.get("id", "")
    if not ID_RE.fullmatch(raw) or int(raw) > MAX_ID:
        raise HTTPNotFound()
    key = credential_of(request.tenant_db, request.praxcloud_identity.user.id, int(raw))
    if key is None:
        raise HTTPNotFound()
    return key


# The logged-in user's keys ------------------------------------------------------------

@api_view(route_name="mfa_webauthn.api.credentials", request_method="GET",
          permission=AUTHENTICATED, plugin=NAME)
def list_keys(request):
    user = request.praxcloud_identity.user
    return {"credentials": [key_json(key) for key in credentials_of(request.tenant_db, user.id)]}


@api_view(route_name="mfa_webauthn.api.credential", request_method="PATCH", recent_auth=True,
          permission=AUTHENTICATED, plugin=NAME)
def rename_key(request):
    key = own_key(request)
    body = body_with(request, ("name",))
    try:
        old_name = rename(key, body["name"])
    except WebauthnRejected as exc:
        raise rejected(exc) from None
    events.renamed(request, request.praxcloud_identity.user, key, old_name)
    return key_json(key)


@api_view(route_name="mfa_webauthn.api.credential", request_method="DELETE", recent_auth=True,
          permission=AUTHENTICATED, plugin=NAME)
def remove_key(request):
    user = request.praxcloud_identity.user
    key = own_key(request)
    if removal_blocked(request, user, key):
        raise ApiError("last_second_factor", "your institution requires a second factor: add "
                       "another before removing this one", 409)
    key_id, name = remove(request.tenant_db, key)
    events.removed(request, user, key_id, name)
    return no_content(request)


@api_view(route_name="mfa_webauthn.api.register_options", request_method="POST", recent_auth=True,
          permission=AUTHENTICATED, plugin=NAME)
def register_options(request):
    try:
        return registration_options(request, request.praxcloud_identity.user)
    except WebauthnRejected as exc:
        raise ApiError(exc.code, exc.message, 409) from None


@api_view(route_name="mfa_webauthn.api.register", request_method="POST", recent_auth=True,
          permission=AUTHENTICATED, plugin=NAME)
def register_key(request):
    user = request.praxcloud_identity.user
    body = body_with(request, ("name", "credential"))
    credential = object_field(body, "credential")
    try:
        key = register(request, user, body["name"], credential)
    except WebauthnRejected as exc:
        events.registration_failed(request, user, exc.code)
        raise rejected(exc) from None
    events.registered(request, user, key)
    enrolment_done(request)
    request.response.status = 201
    return key_json(key)


# Second factor of an API login ------------------------------------------------------------

@api_view(route_name="mfa_webauthn.api.login_options", request_method="POST", plugin=NAME)
def login_options(request):
    body = body_with(request, ("mfa_token",))
    challenge = load_challenge(request, body["mfa_token"], KIND_API)  # 401 SecondFactorFailed
    if METHOD not in (challenge.methods or ()):
        raise ApiError("mfa_method_invalid", "this login has no security key to use", 400)
    return start_second_factor(request, challenge, challenge.user)


# Passwordless ------------------------------------------------------------------------------

def _require_passwordless(request) -> None:
    if not passwordless_allowed(request):
        raise HTTPNotFound()


@api_view(route_name="mfa_webauthn.api.passkey_options", request_method="POST", plugin=NAME)
def passkey_login_options(request):
    _require_passwordless(request)
    try:
        options, token = passkey_options(request)
    except TooManyChallenges as exc:
        raise ApiError("too_many_requests", "too many passkey sign-ins from this address; "
                       "wait a minute", 429, headers={"Retry-After": exc.retry_after}) from None
    return {"options": options, "passkey_token": token}


@api_view(route_name="mfa_webauthn.api.passkey", request_method="POST", plugin=NAME)
def passkey_login(request):
    _require_passwordless(request)
    body = body_with(request, ("passkey_token", "credential"))
    passkey_token = string_field(body, "passkey_token", 200)
    credential = object_field(body, "credential")
    try:
        assertion, user = passkey_assertion(request, passkey_token, credential)
    except WebauthnRejected as exc:
        events.passkey_failed(request, exc.code)
        raise rejected(exc) from None
    check_login_allowed(request, user.email)  # LoginRefused answers with its status
    record_use(assertion)
    token, session = open_session(request, user, KIND_API)
    return {"token": token, "expires_at": iso_time(session.expires_at)}

