"""Console pages: the unlock link's page, and the administrators' list of slowed logins.

The unlock page needs no login (the owner cannot log in, that is the
point) and changes nothing on GET: a mail scanner following the link must
not spend it. The administrators' page lists logins with failures in a
row and frees one on request (recent password confirmation, audited).
"""

from __future__ import annotations

import datetime as dt

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from praxcloud.plugin import USERS_MANAGE, form_text

from . import gates, unlock
from .config import NAME, TRUST_HOURS

TEMPLATES = "plugins.slowdown:templates/"


@view_config(route_name="slowdown.unlock", request_method="GET", plugin=NAME,
             renderer=TEMPLATES + "unlock.jinja2")
def unlock_page(request):
    request.response.headers["Cache-Control"] = "no-store"
    request.response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the path
    return {"done": False, "invalid": False, "hours": TRUST_HOURS}


@view_config(route_name="slowdown.unlock", request_method="POST", plugin=NAME,
             renderer=TEMPLATES + "unlock.jinja2")
def unlock_post(request):
    request.response.headers["Cache-Control"] = "no-store"
    request.response.headers["Referrer-Policy"] = "no-referrer"
    account = unlock.redeem(request, request.matchdict["token"])
    if account is None:
        request.response.status = 400
        return {"done": False, "invalid": True, "hours": TRUST_HOURS}
    request.audit.record("slowdown.unlocked", details={"account": account[:12]})
    return {"done": True, "invalid": False, "hours": TRUST_HOURS}


def _when(epoch: float | None) -> dt.datetime | None:
    return None if epoch is None else dt.datetime.fromtimestamp(epoch, dt.UTC)


@view_config(route_name="slowdown.admin", request_method="GET", permission=USERS_MANAGE,
             plugin=NAME, renderer=TEMPLATES + "admin.jinja2")
def admin_page(request):
    now = dt.datetime.now(dt.UTC)
    accounts = [{**row, "opens_at": _when(row["opens_at"])}
                for row in gates.slowed_accounts(request)]
    return {"accounts": accounts, "now": now}


@view_config(route_name="slowdown.release", request_method="POST", permission=USERS_MANAGE,
             plugin=NAME, recent_auth=True)
def release(request):
    login = gates.normalise(form_text(request.POST, "login"))[:254]
    if login:
        gates.release(request, login)
        request.audit.record("slowdown.released", target=login)
        request.flash(f"Logins to {login} are no longer slowed down.", "success")
    return HTTPSeeOther(request.route_url("slowdown.admin", tenant=request.tenant.slug))
