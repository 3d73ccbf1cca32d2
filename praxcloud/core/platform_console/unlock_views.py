"""The page of the unlock link mailed to an operator whose login is being guessed.

It needs no login (the operator may not be able to log in: that is the
point) and changes nothing on GET, so a mail scanner following the link
does not spend it; its one button (a POST) vouches for the address it is
pressed from (:mod:`..operator_mfa.unlock`). The token is in the path:
the page is not cached and sends no Referer.
"""

from __future__ import annotations

import logging

from pyramid.view import view_config

from ..errors import SharedStateError
from ..operator_mfa.limits import TRUST_HOURS
from ..operator_mfa.unlock import ROUTE, redeem
from .auth_views import audit

log = logging.getLogger(__name__)

TEMPLATE = "platform/unlock.jinja2"


def _page(request, done: bool = False, invalid: bool = False, unavailable: bool = False):
    request.response.headers["Cache-Control"] = "no-store"
    request.response.headers["Referrer-Policy"] = "no-referrer"
    return {"done": done, "invalid": invalid, "unavailable": unavailable,
            "hours": TRUST_HOURS, "section": None}


@view_config(route_name=ROUTE, request_method="GET", renderer=TEMPLATE)
def unlock_page(request):
    return _page(request)


@view_config(route_name=ROUTE, request_method="POST", renderer=TEMPLATE)
def unlock(request):
    try:
        who = redeem(request, request.matchdict["token"])
    except SharedStateError:
        log.error("operator unlock link: the shared state cannot answer; the link was not "
                  "used", exc_info=True)
        request.response.status = 503
        request.response.headers["Retry-After"] = "60"
        return _page(request, unavailable=True)
    if who is None:
        request.response.status = 400
        return _page(request, invalid=True)
    audit(request, "operator.unlocked", None, details={"login": who[:12]})
    return _page(request, done=True)
