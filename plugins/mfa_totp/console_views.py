"""Console pages under ``/{tenant}/account/mfa/totp``: set up, confirm, manage, turn off.

Set-up is two steps: a POST makes a secret that waits for its first code
(the enrol page shows it as a QR code and as text), and a valid code
confirms it. Recovery codes are shown once, in the answer to the POST that
made them. Every view that changes the second factor, or shows a secret,
asks for a recent password first (step-up).
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.response import Response
from pyramid.view import view_config

from praxcloud.plugin import (
    AUTHENTICATED,
    FORM_INVALID,
    SecondFactorFailed,
    enrolment_done,
    sentence,
)
from praxcloud.plugin.totp import qr_png

from .config import NAME
from .service import NotEnrolled, TotpService

TEMPLATES = "plugins.mfa_totp:templates/"
MAX_CODE = 100


def _redirect(request, route: str) -> HTTPSeeOther:
    return HTTPSeeOther(request.route_url(route, tenant=request.tenant.slug))


def _start_again(request):
    """The waiting set-up is gone (expired or done elsewhere): back to the start."""
    request.flash("Start the set-up again: it was not finished in time.", "info")
    return _redirect(request, "mfa_totp.manage")


def _no_store(response) -> None:
    # Pages and images that show a secret or recovery codes must not be cached anywhere.
    response.headers["Cache-Control"] = "no-store"


def _user(request):
    return request.praxcloud_identity.user


def grouped(secret: str) -> str:
    """``JBSWY3DPEHPK3PXP`` as ``JBSW Y3DP EHPK 3PXP``: easier to type into an app."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@view_config(route_name="mfa_totp.manage", request_method="GET", permission=AUTHENTICATED,
             plugin=NAME, renderer=TEMPLATES + "manage.jinja2")
def manage(request):
    service = TotpService(request)
    user = _user(request)
    return {"status": service.status(user), "removal_allowed": service.removal_allowed(user)}


@view_config(route_name="mfa_totp.enrol", request_method="POST", permission=AUTHENTICATED,
             plugin=NAME, recent_auth=True)
def start_enrolment(request):
    TotpService(request).start_enrolment(_user(request))
    return _redirect(request, "mfa_totp.enrol")


def _enrol_page(request, secret: str, errors: dict | None = None, status: int = 200) -> dict:
    user = _user(request)
    request.response.status = status
    _no_store(request.response)
    return {"secret": grouped(secret), "account": user.email, "issuer": request.tenant.name,
            "replacing": TotpService(request).is_enrolled(user), "errors": errors or {}}


@view_config(route_name="mfa_totp.enrol", request_method="GET", permission=AUTHENTICATED,
             plugin=NAME, renderer=TEMPLATES + "enrol.jinja2", recent_auth=True)
def enrol_page(request):
    secret = TotpService(request).pending_secret(_user(request))
    if secret is None:
        return _start_again(request)
    return _enrol_page(request, secret)


@view_config(route_name="mfa_totp.qr", request_method="GET", permission=AUTHENTICATED,
             plugin=NAME, recent_auth=True)
def qr_code(request):
    """The waiting secret as a QR code (PNG) of its otpauth:// URI, for the phone's camera."""
    service = TotpService(request)
    user = _user(request)
    secret = service.pending_secret(user)
    if secret is None:
        raise HTTPNotFound()
    response = Response(body=qr_png(service.uri_for(user, secret)), content_type="image/png")
    _no_store(response)
    return response


@view_config(route_name="mfa_totp.confirm", request_method="POST", permission=AUTHENTICATED,
             plugin=NAME, renderer=TEMPLATES + "enrol.jinja2", recent_auth=True)
def confirm(request):
    service = TotpService(request)
    user = _user(request)
    code = request.POST.get("code", "")
    code = code.strip() if isinstance(code, str) else ""
    secret = service.pending_secret(user)
    if secret is None:
        return _start_again(request)
    if not code or len(code) > MAX_CODE:
        return _enrol_page(request, secret, {"code": "Enter the code your app shows."},
                           FORM_INVALID)
    try:
        codes = service.confirm(user, code)
    except SecondFactorFailed as exc:
        return _enrol_page(request, secret, {"code": sentence(exc.message)}, FORM_INVALID)
    except NotEnrolled:
        return _start_again(request)
    enrolment_done(request)
    request.flash("Two-step sign-in with your authenticator app is on.", "success")
    return _recovery_codes_page(request, codes)


def _recovery_codes_page(request, codes: list[str]):
    """The codes, once: in the answer to the POST that made them, never on a page to revisit."""
    response = render_to_response(TEMPLATES + "recovery_codes.jinja2", {"codes": codes},
                                  request=request)
    _no_store(response)
    return response


@view_config(route_name="mfa_totp.recovery_codes", request_method="POST", recent_auth=True,
             permission=AUTHENTICATED, plugin=NAME)
def regenerate_recovery_codes(request):
    try:
        codes = TotpService(request).regenerate_recovery_codes(_user(request))
    except NotEnrolled:
        request.flash("Set up an authenticator app first.", "error")
        return _redirect(request, "mfa_totp.manage")
    request.flash("New recovery codes are ready; the earlier ones no longer work.", "success")
    return _recovery_codes_page(request, codes)


@view_config(route_name="mfa_totp.disable", request_method="POST", permission=AUTHENTICATED,
             plugin=NAME, recent_auth=True)
def disable(request):
    service = TotpService(request)
    user = _user(request)
    if not service.removal_allowed(user):
        request.flash("Your institution requires a second factor: set up another one before "
                      "you remove this one.", "error")
        return _redirect(request, "mfa_totp.manage")
    try:
        service.disable(user)
    except NotEnrolled:
        request.flash("There was no authenticator app to remove.", "info")
        return _redirect(request, "mfa_totp.manage")
    request.flash("The authenticator app and its recovery codes were removed.", "success")
    return _redirect(request, "mfa_totp.manage")
