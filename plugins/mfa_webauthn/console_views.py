"""Console pages: the user's security keys (list, register, rename, remove) and passkey sign-in.

Every page that changes a key asks for a recent login first
(view option ``recent_auth=True``: the console sends the user to confirm their
password and back). The WebAuthn calls themselves run in the browser
(the core's assets/webauthn.js); options reach it in ``data-`` attributes, and the
signed answer comes back as JSON text in a hidden ``credential`` field.
"""

from __future__ import annotations

import json

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config

from praxcloud.plugin import (
    AUTHENTICATED,
    FORM_INVALID,
    check_login_allowed,
    enrolment_done,
    finish_login,
    form_text,
    object_id,
    redirect,
    safe_next,
    sentence,
)

from . import events
from .passkeys import TooManyChallenges, passkey_assertion, passkey_options
from .service import (
    MAX_NAME,
    WebauthnRejected,
    credential_of,
    credentials_of,
    parse_credential_text,
    record_use,
    register,
    registration_options,
    removal_blocked,
    remove,
    rename,
)
from .tenant_settings import NAME, passwordless_allowed

TEMPLATES = "plugins.mfa_webauthn:templates/"


def _user(request):
    return request.praxcloud_identity.user


def _own_key(request):
    key = credential_of(request.tenant_db, _user(request).id, object_id(request))
    if key is None:
        raise HTTPNotFound()
    return key


def _back_to_keys(request):
    return redirect(request, "mfa_webauthn.manage")


@view_config(route_name="mfa_webauthn.manage", request_method="GET", permission=AUTHENTICATED,
             plugin=NAME, renderer=TEMPLATES + "manage.jinja2")
def manage(request):
    user = _user(request)
    return {"keys": credentials_of(request.tenant_db, user.id),
            "passwordless": passwordless_allowed(request)}


def _new_page(request, *, name: str = "", errors: dict | None = None, status: int = 200):
    """The registration form with fresh creation options (a new challenge for each page)."""
    try:
        options = registration_options(request, _user(request))
    except WebauthnRejected as exc:
        request.flash(sentence(exc.message), "error")
        return _back_to_keys(request)
    request.response.status = status
    return {"options": json.dumps(options), "name": name, "errors": errors or {},
            "max_name": MAX_NAME}


@view_config(route_name="mfa_webauthn.new", request_method="GET", permission=AUTHENTICATED,
             plugin=NAME, renderer=TEMPLATES + "new.jinja2", recent_auth=True)
def new_key_form(request):
    return _new_page(request)


@view_config(route_name="mfa_webauthn.new", request_method="POST", permission=AUTHENTICATED,
             plugin=NAME, renderer=TEMPLATES + "new.jinja2", recent_auth=True)
def new_key(request):
    user = _user(request)
    name = form_text(request.POST, "name")
    try:
        key = register(request, user, name,
                       parse_credential_text(form_text(request.POST, "credential")))
    except WebauthnRejected as exc:
        events.registration_failed(request, user, exc.code)
        field = "name" if exc.code == "invalid_name" else "_form"
        return _new_page(request, name=name.strip()[:MAX_NAME],
                         errors={field: sentence(exc.message)}, status=FORM_INVALID)
    events.registered(request, user, key)
    enrolment_done(request)
    request.flash(f"Security key “{key.name}” added.", "success")
    return _back_to_keys(request)


@view_config(route_name="mfa_webauthn.key", request_method="GET", permission=AUTHENTICATED,
             plugin=NAME, renderer=TEMPLATES + "key.jinja2", recent_auth=True)
def key_form(request):
    key = _own_key(request)
    return {"key": key, "name": key.name, "errors": {}, "max_name": MAX_NAME}


@view_config(route_name="mfa_webauthn.key", request_method="POST", permission=AUTHENTICATED,
             plugin=NAME, renderer=TEMPLATES + "key.jinja2", recent_auth=True)
def rename_key(request):
    key = _own_key(request)
    name = form_text(request.POST, "name")
    try:
        old_name = rename(key, name)
    except WebauthnRejected as exc:
        request.response.status = FORM_INVALID
        return {"key": key, "name": name.strip()[:MAX_NAME],
                "errors": {"name": sentence(exc.message)}, "max_name": MAX_NAME}
    events.renamed(request, _user(request), key, old_name)
    request.flash(f"Security key renamed to “{key.name}”.", "success")
    return _back_to_keys(request)


@view_config(route_name="mfa_webauthn.key_remove", request_method="GET", recent_auth=True,
             permission=AUTHENTICATED, plugin=NAME, renderer=TEMPLATES + "remove.jinja2")
def remove_key_form(request):
    key = _own_key(request)
    return {"key": key, "blocked": removal_blocked(request, _user(request), key)}


@view_config(route_name="mfa_webauthn.key_remove", request_method="POST", recent_auth=True,
             permission=AUTHENTICATED, plugin=NAME, renderer=TEMPLATES + "remove.jinja2")
def remove_key(request):
    user = _user(request)
    key = _own_key(request)
    if removal_blocked(request, user, key):
        request.response.status = 409
        return {"key": key, "blocked": True}
    key_id, name = remove(request.tenant_db, key)
    events.removed(request, user, key_id, name)
    request.flash(f"Security key “{name}” removed.", "success")
    return _back_to_keys(request)


# Passwordless sign-in ------------------------------------------------------------------

def _require_passwordless(request) -> None:
    if not passwordless_allowed(request):
        raise HTTPNotFound()


def _passkey_page(request, next_path: str | None, error: str | None = None,
                  status: int = 200) -> dict:
    try:
        options, token = passkey_options(request)
    except TooManyChallenges as exc:
        # No challenge, so no button: only the message and the way back to the password.
        request.response.status = 429
        request.response.headers["Retry-After"] = str(exc.retry_after)
        return {"options": "null", "passkey_token": "", "next": next_path,
                "error": "Too many passkey sign-ins from this address. Please wait a minute "
                         "and try again."}
    request.response.status = status
    return {"options": json.dumps(options), "passkey_token": token, "next": next_path,
            "error": error}


@view_config(route_name="mfa_webauthn.passkey_login", request_method="GET", plugin=NAME,
             renderer=TEMPLATES + "passkey.jinja2")
def passkey_form(request):
    _require_passwordless(request)
    return _passkey_page(request, safe_next(request, request.GET.get("next")))


def _passkey_refused(request, exc) -> dict:
    """The key was right but the login is refused (LoginRefused): the page with the reason."""
    return _passkey_page(request, safe_next(request, request.POST.get("next")),
                         exc.form_message(), exc.status)


@view_config(route_name="mfa_webauthn.passkey_login", request_method="POST", plugin=NAME,
             renderer=TEMPLATES + "passkey.jinja2", form_error=_passkey_refused)
def passkey_login(request):
    _require_passwordless(request)
    next_path = safe_next(request, request.POST.get("next"))
    try:
        credential = parse_credential_text(form_text(request.POST, "credential"))
        assertion, user = passkey_assertion(
            request, form_text(request.POST, "passkey_token"), credential)
    except WebauthnRejected as exc:
        events.passkey_failed(request, exc.code)
        status = FORM_INVALID if exc.code == "webauthn_missing" else 400
        return _passkey_page(request, next_path, sentence(exc.message), status)
    check_login_allowed(request, user.email)  # LoginRefused: _passkey_refused
    record_use(assertion)
    return finish_login(request, user, next_path)
