"""The plugin's part of the API's OpenAPI document: every route of :mod:`.api_views`.

Request schemas say what the views accept (unknown fields are refused with a
422, so ``additionalProperties`` is false on the bodies). A WebAuthn
credential is only required to be an object here: its inside is checked by
py_webauthn, and a malformed one is a 400 with a ``webauthn_*`` code, not a
422. The options objects are py_webauthn's JSON, described by their main keys
only so that a newer library's extra members do not break the document.
"""

from __future__ import annotations

from praxcloud.plugin import (
    ID_PARAM,
    OpenApiPart,
    api_route_patterns,
    error_response,
    json_response,
    no_content_response,
    operation,
    ref,
)

from .api_views import MAX_ID as MAX_KEY_ID
from .routes import API_ROUTES
from .service import MAX_CREDENTIAL_CHARS, MAX_NAME

PATH = api_route_patterns(API_ROUTES)
MAX_TOKEN = 200

# A key's id: the views answer 404 for anything that is not one of 1..2**31-1.
KEY_ID_PARAM = {**ID_PARAM, "schema": {**ID_PARAM["schema"], "maximum": MAX_KEY_ID}}

DATE_TIME = {"type": "string", "format": "date-time"}
BASE64URL = {"type": "string", "pattern": "^[A-Za-z0-9_-]*$"}
TOKEN = {"type": "string", "minLength": 1, "maxLength": MAX_TOKEN}
# Leading and trailing white space is dropped; what is left must be 1..MAX_NAME
# characters without control characters.
KEY_NAME = {
    "type": "string", "minLength": 1, "maxLength": MAX_NAME,
    "pattern": "^[^\\x00-\\x1f\\x7f]*\\S[^\\x00-\\x1f\\x7f]*$",
    "description": f"Shown in lists; white space around it is dropped, at most {MAX_NAME} "
                   "characters remain, no control characters.",
}
CREDENTIAL_DESCRIPTOR = {
    "type": "object", "required": ["type", "id"],
    "properties": {"type": {"type": "string"}, "id": BASE64URL,
                   "transports": {"type": "array", "items": {"type": "string"}}},
}

SCHEMAS = {
    "WebauthnCredential": {
        "type": "object", "description": "A security key or passkey of the logged-in user.",
        "required": ["id", "name", "created_at", "last_used_at", "transports", "discoverable"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer", "minimum": 1, "maximum": MAX_KEY_ID},
            "name": {"type": "string", "minLength": 1, "maxLength": MAX_NAME},
            "created_at": DATE_TIME,
            "last_used_at": {**DATE_TIME, "type": ["string", "null"]},
            "transports": {"type": "array", "items": {"type": "string"}},
            "discoverable": {"type": ["boolean", "null"],
                             "description": "A passkey (resident key); null when the browser "
                                            "did not say."},
        },
    },
    "WebauthnCredentialList": {
        "type": "object", "required": ["credentials"], "additionalProperties": False,
        "properties": {"credentials": {"type": "array", "items": ref("WebauthnCredential")}},
    },
    "WebauthnPublicKeyCredential": {
        "type": "object",
        "description": "The JSON form of a browser's PublicKeyCredential, binary fields in "
                       "base64url: `response.attestationObject` when registering, "
                       "`response.authenticatorData`, `signature` and `userHandle` when "
                       f"signing in. At most {MAX_CREDENTIAL_CHARS} characters as JSON. "
                       "One that is malformed or not accepted is a 400 (`webauthn_malformed`, "
                       "`webauthn_invalid`, ...).",
        "properties": {
            "id": BASE64URL, "rawId": BASE64URL, "type": {"const": "public-key"},
            "response": {
                "type": "object", "required": ["clientDataJSON"],
                "properties": {
                    "clientDataJSON": BASE64URL, "attestationObject": BASE64URL,
                    "authenticatorData": BASE64URL, "signature": BASE64URL,
                    "userHandle": {"type": ["string", "null"]},
                    "transports": {"type": "array", "items": {"type": "string"}},
                },
            },
            "authenticatorAttachment": {"type": ["string", "null"]},
            "clientExtensionResults": {"type": "object"},
        },
    },
    "WebauthnRegisterRequest": {
        "type": "object", "required": ["name", "credential"], "additionalProperties": False,
        "properties": {"name": KEY_NAME, "credential": ref("WebauthnPublicKeyCredential")},
    },
    "WebauthnRenameRequest": {
        "type": "object", "required": ["name"], "additionalProperties": False,
        "properties": {"name": KEY_NAME},
    },
    "WebauthnCreationOptions": {
        "type": "object",
        "description": "PublicKeyCredentialCreationOptions as JSON (binary fields in base64url), "
                       "for navigator.credentials.create(). The challenge is valid for one "
                       "registration by this session, for a few minutes.",
        "required": ["rp", "user", "challenge", "pubKeyCredParams"],
        "properties": {
            "rp": {"type": "object", "required": ["id", "name"],
                   "properties": {"id": {"type": "string"}, "name": {"type": "string"}}},
            "user": {"type": "object", "required": ["id", "name", "displayName"],
                     "properties": {"id": BASE64URL, "name": {"type": "string"},
                                    "displayName": {"type": "string"}}},
            "challenge": BASE64URL,
            "pubKeyCredParams": {"type": "array", "items": {"type": "object"}},
            "timeout": {"type": "integer"},
            "excludeCredentials": {"type": "array", "items": CREDENTIAL_DESCRIPTOR},
            "authenticatorSelection": {"type": "object"},
            "attestation": {"type": "string"},
        },
    },
    "WebauthnRequestOptions": {
        "type": "object",
        "description": "PublicKeyCredentialRequestOptions as JSON (binary fields in base64url), "
                       "for navigator.credentials.get().",
        "required": ["challenge", "rpId"],
        "properties": {
            "challenge": BASE64URL, "rpId": {"type": "string"},
            "timeout": {"type": "integer"},
            "allowCredentials": {"type": "array", "items": CREDENTIAL_DESCRIPTOR},
            "userVerification": {"type": "string"},
        },
    },
    "WebauthnLoginOptionsRequest": {
        "type": "object", "required": ["mfa_token"], "additionalProperties": False,
        "properties": {"mfa_token": {"type": "string", "minLength": 1,
                                     "description": "From `POST auth/login`'s answer."}},
    },
    "PasskeyOptions": {
        "type": "object", "required": ["options", "passkey_token"],
        "additionalProperties": False,
        "properties": {
            "options": ref("WebauthnRequestOptions"),
            "passkey_token": {**TOKEN, "description": "Send it back with the passkey's answer "
                                                      "to `POST auth/passkey`; single use."},
        },
    },
    "PasskeyLoginRequest": {
        "type": "object", "required": ["passkey_token", "credential"],
        "additionalProperties": False,
        "properties": {"passkey_token": TOKEN,
                       "credential": ref("WebauthnPublicKeyCredential")},
    },
}

REAUTH = error_response("Not allowed, or `reauth_required`: the login is older than 10 minutes, "
                        "confirm the password with `POST auth/reauth` first")
REJECTED = error_response("Malformed request, or the credential was not accepted: "
                          "`webauthn_malformed`, `webauthn_invalid`, "
                          "`webauthn_challenge_invalid`, `webauthn_unknown_credential`, "
                          "`webauthn_clone_suspected`, `webauthn_duplicate`, "
                          "`passkey_rejected`")
PASSWORDLESS_OFF = error_response("No such tenant, or the tenant does not offer passkey sign-in")

PATHS = {
    PATH["mfa_webauthn.api.credentials"]: {
        "get": operation(
            "One's security keys and passkeys", {"200": json_response("WebauthnCredentialList")},
            op_id="webauthnListCredentials"),
    },
    PATH["mfa_webauthn.api.credential"]: {
        "patch": operation(
            "Rename one of one's security keys (recent login needed)",
            {"200": json_response("WebauthnCredential"), "403": REAUTH},
            op_id="webauthnRenameCredential", body="WebauthnRenameRequest",
            params=(KEY_ID_PARAM,)),
        "delete": operation(
            "Remove one of one's security keys (recent login needed)",
            {"204": no_content_response("Removed"), "403": REAUTH,
             "409": error_response("`last_second_factor`: the tenant requires a second factor "
                                   "and this is the user's last one")},
            op_id="webauthnDeleteCredential", params=(KEY_ID_PARAM,)),
    },
    PATH["mfa_webauthn.api.register_options"]: {
        "post": operation(
            "Start registering a security key: creation options with a fresh challenge "
            "(no body; recent login needed)",
            {"200": json_response("WebauthnCreationOptions"), "403": REAUTH,
             "409": error_response("`too_many_keys`: the account has the most keys allowed")},
            op_id="webauthnRegistrationOptions"),
    },
    PATH["mfa_webauthn.api.register"]: {
        "post": operation(
            "Finish registering a security key with the browser's answer (recent login needed)",
            {"201": json_response("WebauthnCredential", "Registered"), "400": REJECTED,
             "403": REAUTH,
             "409": error_response("`too_many_keys`: the account reached the most keys allowed "
                                   "since the options were handed out")},
            op_id="webauthnRegister", body="WebauthnRegisterRequest"),
    },
    PATH["mfa_webauthn.api.login_options"]: {
        "post": operation(
            "Request options for the security-key step of a login; answer them with "
            "`POST auth/mfa` (`method` `webauthn`, `credential`)",
            {"200": json_response("WebauthnRequestOptions"),
             "400": error_response("Malformed request, or `mfa_method_invalid`: this login "
                                   "has no security key to use"),
             "401": error_response("`mfa_token_invalid`: the mfa_token is invalid or expired")},
            op_id="webauthnLoginOptions", body="WebauthnLoginOptionsRequest", secured=False),
    },
    PATH["mfa_webauthn.api.passkey_options"]: {
        "post": operation(
            "Start a passwordless sign-in: request options for any passkey, and the token "
            "that redeems them (no body; 30 a minute per client address)",
            {"200": json_response("PasskeyOptions"), "404": PASSWORDLESS_OFF,
             "429": error_response("Too many passkey sign-ins from this address; "
                                   "see Retry-After")},
            op_id="passkeyOptions", secured=False),
    },
    PATH["mfa_webauthn.api.passkey"]: {
        "post": operation(
            "Sign in with a passkey's answer to the options of `passkey_token`",
            {"200": json_response("Token", "Logged in"), "400": REJECTED,
             "404": PASSWORDLESS_OFF,
             "429": error_response("Sign-in refused for now; see Retry-After")},
            op_id="passkeyLogin", body="PasskeyLoginRequest", secured=False),
    },
}


def openapi_part() -> OpenApiPart:
    return {"paths": PATHS, "schemas": SCHEMAS}
