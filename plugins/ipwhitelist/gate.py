"""The check before anything else: is the client's address allowed for this side?

Runs as ``praxcloud_check_request``, before any session, login or view
(so a refused address learns nothing, not even whether a login exists).
The API (``/api/...``) and the console (every other path of the tenant)
have lists of their own. The platform console (``/platform/``) names no
tenant and is never checked here: no tenant rule can lock operators out.
"""

from __future__ import annotations

import logging

from pyramid.renderers import render_to_response
from pyramid.response import Response

from praxcloud.plugin import SharedStateError, error_body, tenant_shared_state

from .config import NAME, tenant_settings
from .networks import allows

log = logging.getLogger(__name__)

# One audit event per address and side every ten minutes: refusals can come by the
# thousand, the trail needs to know who, not how often.
AUDIT_EVERY_SECONDS = 600


def side(request) -> str:
    return "api" if request.path_info.startswith("/api/") else "console"


def check(request) -> Response | None:
    which = side(request)
    if allows(tenant_settings(request)[f"{which}_networks"], request.client_addr):
        return None
    _audit(request, which)
    if which == "api":
        response = Response(json=error_body("ip_not_allowed",
                                            "requests from this address are not allowed"),
                            status=403, content_type="application/json", charset="utf-8")
        return response
    response = render_to_response("plugins.ipwhitelist:templates/denied.jinja2",
                                  {"address": request.client_addr}, request=request)
    response.status = 403
    return response


def _audit(request, which: str) -> None:
    try:
        first = tenant_shared_state(request, NAME).incr(
            f"audited:{which}:{request.client_addr}", AUDIT_EVERY_SECONDS) == 1
    except SharedStateError:
        first = True  # better one event too many than a refusal nobody hears of
    if first:
        request.audit.record(f"{NAME}.denied", outcome="failure", durable=True,
                             details={"side": which, "path": request.path_info[:200]})
