"""The administrators' API: ``GET .../encryption``, ``POST .../encryption/rotate``."""

from __future__ import annotations

from praxcloud.plugin import SETTINGS_MANAGE, api_view

from . import state
from .config import NAME


@api_view(route_name="field_encryption.api.status", request_method="GET",
          permission=SETTINGS_MANAGE, plugin=NAME)
def status(request):
    return state.describe(request)


@api_view(route_name="field_encryption.api.rotate", request_method="POST",
          permission=SETTINGS_MANAGE, plugin=NAME, recent_auth=True)
def rotate(request):
    request.response.status_code = 202
    return {"queued": True, "task": state.request_rotation(request)}
