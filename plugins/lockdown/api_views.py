"""The administrators' API: ``GET .../locked-users``, ``POST .../locked-users/{id}/unlock``."""

from __future__ import annotations

from praxcloud.plugin import USERS_MANAGE, ApiError, api_view, iso_time, object_id

from . import locks
from .config import NAME


def _lock(lock, user) -> dict:
    return {"id": lock.id, "user_id": user.id, "email": user.email,
            "locked_at": iso_time(lock.locked_at), "reason": lock.reason,
            "method": lock.details.get("method"), "path": lock.details.get("path"),
            "permission": lock.details.get("permission"),
            "attempt": lock.details.get("attempt"), "at_tenant": lock.details.get("at_tenant")}


@api_view(route_name="lockdown.api.locks", request_method="GET", permission=USERS_MANAGE,
          plugin=NAME)
def list_locks(request):
    return {"locks": [_lock(lock, user) for lock, user in locks.open_locks(request)]}


@api_view(route_name="lockdown.api.unlock", request_method="POST", permission=USERS_MANAGE,
          plugin=NAME, recent_auth=True)
def unlock(request):
    user = locks.unlock(request, object_id(request), request.praxcloud_identity.user.email)
    if user is None:
        raise ApiError("not_found", "no open lock with this id", 404)
    return {"user_id": user.id, "email": user.email, "is_active": True}
