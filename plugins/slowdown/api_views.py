"""The administrators' API: which logins are slowed down, and freeing one.

    GET  /api/v1/{tenant}/slowdown/accounts  {"accounts": [{"login", "failures", "delayed_until"}]}
    POST /api/v1/{tenant}/slowdown/release   {"login"} -> 204 (recent password confirmation)
"""

from __future__ import annotations

import datetime as dt

from praxcloud.plugin import USERS_MANAGE, api_view, check_json, iso_time, json_body, no_content

from . import gates
from .config import NAME

RELEASE = {
    "type": "object", "required": ["login"], "additionalProperties": False,
    "properties": {"login": {"type": "string", "minLength": 1, "maxLength": 254}},
}


def _iso(epoch: float | None) -> str | None:
    if epoch is None or epoch <= dt.datetime.now(dt.UTC).timestamp():
        return None
    return iso_time(dt.datetime.fromtimestamp(epoch, dt.UTC))


@api_view(route_name="slowdown.api.accounts", request_method="GET", permission=USERS_MANAGE,
          plugin=NAME)
def accounts(request):
    return {"accounts": [{"login": row["login"], "failures": row["failures"],
                          "delayed_until": _iso(row["opens_at"])}
                         for row in gates.slowed_accounts(request)]}


@api_view(route_name="slowdown.api.release", request_method="POST", permission=USERS_MANAGE,
          plugin=NAME, recent_auth=True)
def release(request):
    body = json_body(request)
    check_json(RELEASE, body)
    login = gates.normalise(body["login"])
    gates.release(request, login)
    request.audit.record("slowdown.released", target=login)
    return no_content(request)
