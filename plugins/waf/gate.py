"""The WAF's check of each request to the tenant, before any login or view.

1. A blacklisted client address gets 403 ``address_blocked`` on everything.
2. Otherwise every value of the request (:mod:`.inspect`) is matched
   (:mod:`.rules`); the weights of the distinct rules hit add up, and at
   ``threshold`` or more the request is refused: 403 ``request_blocked`` with an
   incident id the user can quote. The incident is kept (what matched, where,
   the value's shape with letters and digits masked, never the value) in a
   transaction of its own, since the refused request's is rolled back.
3. ``strikes`` blocked requests from one address within
   ``strike_window_seconds`` put it on the tenant's blacklist for
   ``blacklist_hours``, in the shared state, so every web process refuses it.

Allow-listed rules and paths (the tenant's settings) answer false positives.
"""

from __future__ import annotations

import logging
import re
import uuid

from pyramid.renderers import render_to_response
from pyramid.response import Response

from praxcloud.plugin import error_body, tenant_shared_state, write_durably

from . import request_values, rules
from .config import NAME, tenant_settings
from .models import Incident

log = logging.getLogger(__name__)

BLACKLIST = "blacklist"
_LETTERS_AND_DIGITS = re.compile(r"[^\W_]", re.UNICODE)


def shape(value: str) -> str:
    """The value with letters and digits masked: the attack's form without personal data."""
    return _LETTERS_AND_DIGITS.sub("x", value[:120])


def check(request) -> Response | None:
    settings = tenant_settings(request)
    state = tenant_shared_state(request, NAME)
    address = request.client_addr or "unknown"
    if state.is_member(BLACKLIST, address):
        return _answer(request, "address_blocked",
                       "requests from this address are blocked for a while", None)
    if any(request.path_info.startswith(path) for path in settings["allow_paths"]):
        return None
    allowed = set(settings["allow_rules"])
    matches, hit = [], set()
    for where, value in request_values.values(request):
        found = [rule for rule in rules.check(value)
                 if rule not in allowed and rule.split("-")[0] not in allowed]
        if found:
            matches.append({"where": where, "rules": found, "excerpt": shape(value)})
            hit.update(found)
    score = sum(rules.weight(rule) for rule in hit)
    if score < settings["threshold"]:
        return None
    incident = uuid.uuid4().hex[:12]
    strikes = state.incr(f"strikes:{address}", settings["strike_window_seconds"])
    blacklisted = strikes >= settings["strikes"]
    if blacklisted:
        state.add_to_set(BLACKLIST, address, settings["blacklist_hours"] * 3600)
    _keep(request, incident, address, score, matches, blacklisted)
    return _answer(request, "request_blocked",
                   f"this request was blocked as an attack; quote incident {incident} if it "
                   "was not one", incident)


def _keep(request, incident: str, address: str, score: int, matches: list,
          blacklisted: bool) -> None:
    row = {"incident": incident, "ip": address[:64], "method": request.method[:10],
           "path": request.path_info[:200], "score": score, "matches": matches[:20],
           "blacklisted": blacklisted}
    write_durably(request, lambda session: session.add(Incident(**row)))
    request.audit.record(f"{NAME}.blocked", outcome="failure", durable=True,
                         details={"incident": incident, "score": score,
                                  "rules": sorted({r for m in matches for r in m["rules"]}),
                                  "blacklisted": blacklisted})


def _answer(request, code: str, message: str, incident: str | None) -> Response:
    if request.path_info.startswith("/api/"):
        body = error_body(code, message)
        if incident:
            body["error"]["incident"] = incident
        return Response(json=body, status=403, content_type="application/json",
                        charset="utf-8")
    response = render_to_response("plugins.waf:templates/blocked.jinja2",
                                  {"incident": incident, "message": message}, request=request)
    response.status = 403
    return response
