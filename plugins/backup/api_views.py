"""The administrators' API: list the tenant's backups, start one."""

from __future__ import annotations

from praxcloud.plugin import SETTINGS_MANAGE, ApiError, api_view, iso_time

from .config import NAME
from .overview import last_failure, overview, start


def backup_json(item: dict) -> dict:
    return {"id": item["id"], "at": iso_time(item["at"]), "status": item["status"],
            "size": item["size"], "engine": item["engine"], "revision": item["revision"]}


@api_view(route_name="backup.api.backups", request_method="GET", permission=SETTINGS_MANAGE,
          plugin=NAME)
def backups(request):
    found = overview(request)
    if found["error"]:
        raise ApiError("backup_unavailable", found["error"], 502)
    failure = last_failure(request)
    return {"backups": [backup_json(item) for item in found["backups"]],
            "last_failure": None if failure is None else {
                "at": iso_time(failure.at), "message": (failure.details or {}).get("message", "")}}


@api_view(route_name="backup.api.backups", request_method="POST", permission=SETTINGS_MANAGE,
          plugin=NAME)
def run(request):
    start(request)
    request.response.status = 202
    return {"status": "started"}
