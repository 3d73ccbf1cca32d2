"""Path and query parameters of the API, read strictly.

``int()`` would take ``" 7"``, ``"1_0"`` and Arabic-Indic digits, and an id
beyond the database's integer range fails inside the driver; an id here is
plain ASCII digits within a 32-bit signed integer, anything else is a 404.
"""

from __future__ import annotations

import re

from pyramid.httpexceptions import HTTPNotFound

from ..errors import ApiError

ID_RE = re.compile(r"[1-9][0-9]{0,9}")
MAX_ID = 2**31 - 1
INT_RE = re.compile(r"-?[0-9]{1,12}")


def path_id(request, name: str = "id") -> int:
    raw = request.matchdict.get(name, "")
    if not ID_RE.fullmatch(raw) or int(raw) > MAX_ID:
        raise HTTPNotFound()
    return int(raw)


def int_param(request, name: str, default: int, low: int, high: int) -> int:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return default
    if not INT_RE.fullmatch(raw):
        raise ApiError("invalid_parameter", f"{name} must be a whole number", 400,
                       {name: "not a whole number"})
    value = int(raw)
    if not low <= value <= high:
        raise ApiError("invalid_parameter", f"{name} must be between {low} and {high}", 400,
                       {name: f"between {low} and {high}"})
    return value


def text_param(request, name: str, max_length: int) -> str | None:
    raw = request.GET.get(name)
    if raw is None:
        return None
    if len(raw) > max_length:
        raise ApiError("invalid_parameter", f"{name} is at most {max_length} characters", 400,
                       {name: "too long"})
    if "\x00" in raw:
        raise ApiError("invalid_parameter", f"{name} may not contain NUL characters", 400,
                       {name: "NUL characters are not allowed"})
    return raw
