"""An operator's own second factors under ``/platform/account/security``: set up, remove.

Set-up of an authenticator app is two steps: a POST makes a secret that
waits for its first code (shown as a QR code and as text), and a valid code
confirms it. A security key is registered in one ceremony against a
challenge this session was given. Removing a factor asks for the password
again; the last factor cannot be removed where factors are required.

Where ``praxcloud.operator_mfa_required`` is on, an operator without a
factor is held on these pages (:func:`confine_until_enrolled`).
"""

from __future__ import annotations

from pyramid.events import ContextFound, subscriber
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from ..forms import FORM_INVALID
from ..operator_mfa import factors_of, is_required
from ..operator_mfa import webauthn as keys
from ..operator_mfa.limits import OperatorLoginLimit
from ..operator_mfa.totp import CodeRefused, OperatorTotpService
from ..passwords import verify_and_update
from ..security import OPERATOR_PERMISSION, area
from ..totp import qr_png
from .auth_views import MAX_PASSWORD_LENGTH, admit, audit
from .support import redirect

MAX_CODE = 100
# What an operator who must still set up a factor may reach.
ENROLMENT_ROUTES = frozenset({
    "platform.security", "platform.totp", "platform.totp_qr", "platform.totp_confirm",
    "platform.key_new", "platform.logout", "platform.login", "platform.second_factor",
    # Step-up on the enrolment views sends a stale operator here and back.
    "platform.confirm",
    # The mailed unlock link (it is for logging in).
    "platform.unlock",
})


@subscriber(ContextFound)
def confine_until_enrolled(event) -> None:
    """Send an operator who has no second factor, where one is required, to set one up.

    Read from the factors themselves at every request, not from a mark in
    the session: sessions opened before the requirement was switched on, or
    before the last factor was removed elsewhere, are held too.
    """
    request = event.request
    if area(request) != "platform" or not is_required(request.registry):
        return
    route = request.matched_route.name if request.matched_route else None
    if route in ENROLMENT_ROUTES:
        return
    identity = request.praxcloud_identity
    if identity is None or not identity.is_operator:
        return
    if not factors_of(request.dbsession, identity.user.id).any:
        raise HTTPSeeOther(request.route_url("platform.security"))


def _operator(request):
    return request.praxcloud_identity.user


def _no_store(response) -> None:
    # Pages and images that show a secret must not be cached anywhere.
    response.headers["Cache-Control"] = "no-store"


def grouped(secret: str) -> str:
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _security_page(request, errors: dict | None = None) -> dict:
    operator = _operator(request)
    service = OperatorTotpService(request)
    factors = factors_of(request.dbsession, operator.id)
    return {
        "factors": factors,
        "totp_pending": service.pending_secret(operator) is not None,
        "keys": keys.keys_of(request.dbsession, operator.id),
        "required": is_required(request.registry),
        "errors": errors or {},
        "section": "security",
    }


@view_config(route_name="platform.security", request_method="GET",
             permission=OPERATOR_PERMISSION, renderer="platform/security.jinja2")
def security(request):
    return _security_page(request)


# Authenticator app -------------------------------------------------------------

@view_config(route_name="platform.totp", request_method="POST", permission=OPERATOR_PERMISSION,
             recent_auth=True)
def totp_start(request):
    operator = _operator(request)
    OperatorTotpService(request).start_enrolment(operator)
    audit(request, "operator.totp_enrol", operator.email)
    return redirect(request, "platform.totp")


def _enrol_page(request, secret: str, error: str | None = None) -> dict:
    _no_store(request.response)
    return {"secret": grouped(secret), "account": _operator(request).email,
            "issuer": "PraxCloud platform", "error": error, "section": "security"}


@view_config(route_name="platform.totp", request_method="GET", permission=OPERATOR_PERMISSION,
             renderer="platform/totp_enrol.jinja2")
def totp_page(request):
    secret = OperatorTotpService(request).pending_secret(_operator(request))
    if secret is None:
        request.flash("Start the set-up of an authenticator app here.", "info")
        return redirect(request, "platform.security")
    return _enrol_page(request, secret)


@view_config(route_name="platform.totp_qr", request_method="GET", permission=OPERATOR_PERMISSION)
def totp_qr(request):
    """The waiting secret as a QR code (PNG) of its otpauth:// URI."""
    service = OperatorTotpService(request)
    operator = _operator(request)
    secret = service.pending_secret(operator)
    if secret is None:
        raise HTTPNotFound()
    response = Response(body=qr_png(service.uri_for(operator, secret)), content_type="image/png")
    _no_store(response)
    return response


@view_config(route_name="platform.totp_confirm", request_method="POST",
             permission=OPERATOR_PERMISSION, recent_auth=True,
             renderer="platform/totp_enrol.jinja2")
def totp_confirm(request):
    service = OperatorTotpService(request)
    operator = _operator(request)
    secret = service.pending_secret(operator)
    if secret is None:
        request.flash("The set-up was not finished in time: start again.", "info")
        return redirect(request, "platform.security")
    code = request.POST.get("code", "")
    code = code if isinstance(code, str) and len(code) <= MAX_CODE else ""
    try:
        service.confirm(operator, code)
    except CodeRefused as exc:
        audit(request, "operator.totp_confirm", operator.email, outcome="failure",
              details={"reason": exc.code})
        request.response.status = FORM_INVALID
        return _enrol_page(request, secret, exc.message[:1].upper() + exc.message[1:] + ".")
    audit(request, "operator.totp_confirm", operator.email)
    request.flash("Your authenticator app is set up: logging in now asks for its code.",
                  "success")
    return redirect(request, "platform.security")


# Security keys ---------------------------------------------------------------------

def _key_page(request, name: str = "", error: str | None = None) -> dict:
    identity = request.praxcloud_identity
    options = None
    try:
        options = keys.registration_options(request, identity.user, identity.session.id)
    except keys.KeyRefused as exc:
        error = error or exc.message
    return {"options": options, "name": name, "max_name": keys.MAX_NAME,
            "error": error, "section": "security"}


@view_config(route_name="platform.key_new", request_method="GET",
             permission=OPERATOR_PERMISSION, renderer="platform/key_new.jinja2")
def key_new_page(request):
    return _key_page(request)


@view_config(route_name="platform.key_new", request_method="POST",
             permission=OPERATOR_PERMISSION, recent_auth=True, renderer="platform/key_new.jinja2")
def key_new(request):
    identity = request.praxcloud_identity
    operator = identity.user
    name = request.POST.get("name", "")
    try:
        row = keys.register(request, operator, identity.session.id, name,
                            request.POST.get("credential"))
    except keys.KeyRefused as exc:
        audit(request, "operator.key_add", operator.email, outcome="failure",
              details={"reason": exc.code})
        request.response.status = FORM_INVALID
        shown = name if isinstance(name, str) else ""
        return _key_page(request, shown[:keys.MAX_NAME],
                         exc.message[:1].upper() + exc.message[1:] + ".")
    audit(request, "operator.key_add", operator.email,
          details={"key": row.id, "name": row.name})
    request.flash(f"Security key “{row.name}” added.", "success")
    return redirect(request, "platform.security")


# Removing a factor ------------------------------------------------------------------

def _password_confirmed(request):
    """None when the password typed is the operator's, else the refused page (status set).

    Each try is counted with the operator's second-factor answers (a fixed
    window per operator, :mod:`..operator_mfa.limits`) before it is checked:
    a session left open is no way to guess the password.
    """
    operator = _operator(request)
    refusal = admit(request, OperatorLoginLimit(request, operator.email), actor=operator.email,
                    answer=True)
    if refusal is not None:
        message = refusal["error"]
        if refusal["retry_after"]:
            seconds = refusal["retry_after"]
            message += f" Please try again in {seconds} second{'s' if seconds != 1 else ''}."
        return _security_page(request, {"password": message})
    password = request.POST.get("password", "")
    if not isinstance(password, str) or not password or len(password) > MAX_PASSWORD_LENGTH \
            or not verify_and_update(request.registry.password_context, password,
                                      operator.password_hash)[0]:
        audit(request, "operator.factor_remove", operator.email, outcome="failure",
              details={"reason": "invalid_password"})
        request.response.status = FORM_INVALID
        return _security_page(request, {"password": "That password is not right."})
    return None


def _last_factor(request) -> bool:
    """Would removing one factor leave an operator without any where they are required?"""
    operator = _operator(request)
    factors = factors_of(request.dbsession, operator.id)
    several_keys = len(keys.keys_of(request.dbsession, operator.id)) > 1
    return is_required(request.registry) and factors.count <= 1 and not several_keys


def _removal_refused(request):
    """The page refusing to remove a factor (password not confirmed, or the last one), or None."""
    refused = _password_confirmed(request)
    if refused is not None:
        return refused
    if _last_factor(request):
        request.response.status = 409
        return _security_page(request, {"remove": "A second factor is required: add another "
                                                  "one before you remove this one."})
    return None


@view_config(route_name="platform.totp_remove", request_method="POST",
             permission=OPERATOR_PERMISSION, recent_auth=True, renderer="platform/security.jinja2")
def totp_remove(request):
    refused = _removal_refused(request)
    if refused is not None:
        return refused
    operator = _operator(request)
    if OperatorTotpService(request).remove(operator):
        audit(request, "operator.totp_remove", operator.email)
        request.flash("The authenticator app was removed.", "success")
    return redirect(request, "platform.security")


@view_config(route_name="platform.key_remove", request_method="POST",
             permission=OPERATOR_PERMISSION, recent_auth=True, renderer="platform/security.jinja2")
def key_remove(request):
    refused = _removal_refused(request)
    if refused is not None:
        return refused
    operator = _operator(request)
    row = keys.remove(request.dbsession, operator, int(request.matchdict["key_id"]))
    if row is None:
        raise HTTPNotFound()
    audit(request, "operator.key_remove", operator.email,
          details={"key": row.id, "name": row.name})
    request.flash(f"Security key “{row.name}” removed.", "success")
    return redirect(request, "platform.security")
