"""What of a request the WAF reads: path, query, form fields, JSON strings, headers.

Each value comes with where it was found (``query:q``, ``json:notes``,
``header:user-agent``), for the incident. Values are cut at ``MAX_VALUE``
characters and a request gives at most ``MAX_VALUES`` of them: an attack must
fit in what is read, and a huge body costs no more to check than a normal one
(the core already refuses bodies over its size limit).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

MAX_VALUE = 4096
MAX_VALUES = 400
MAX_DEPTH = 20
# Credentials and browser boilerplate: never attacker prose, and inspecting them only
# invites false positives (a token is random text; Accept lists use */*).
SKIPPED_HEADERS = frozenset({
    "authorization", "cookie", "x-csrf-token", "accept", "accept-encoding", "accept-language",
    "content-length", "content-type", "host", "connection", "if-none-match",
    "if-modified-since", "sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform",
    "sec-fetch-dest", "sec-fetch-mode", "sec-fetch-site", "sec-fetch-user",
    "upgrade-insecure-requests", "cache-control", "pragma", "origin", "x-forwarded-for",
    "x-forwarded-proto", "x-request-id",
})
SKIPPED_FIELDS = frozenset({"csrf_token", "password", "current_password", "new_password",
                            "confirm", "token", "mfa_token", "credential"})


def values(request) -> Iterator[tuple[str, str]]:
    """(where, value) pairs of ``request``, at most MAX_VALUES."""
    count = 0
    for pair in _all(request):
        yield pair[0], pair[1][:MAX_VALUE]
        count += 1
        if count >= MAX_VALUES:
            return


def _all(request) -> Iterator[tuple[str, str]]:
    yield "path", request.path_info
    for key, value in request.GET.items():
        yield "query", key
        yield f"query:{key[:40]}", value
    for name, value in request.headers.items():
        if name.lower() not in SKIPPED_HEADERS:
            yield f"header:{name.lower()[:40]}", value
    content_type = (request.content_type or "").lower()
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.body:
        if content_type == "application/json":
            try:
                document = json.loads(request.body)
            except (ValueError, UnicodeDecodeError):
                return  # the view answers malformed JSON itself
            yield from _json("json", document, 0)
        elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for key, value in request.POST.items():
                if isinstance(value, str) and key not in SKIPPED_FIELDS:
                    yield "form", key
                    yield f"form:{key[:40]}", value


def _json(where: str, node, depth: int) -> Iterator[tuple[str, str]]:
    if depth > MAX_DEPTH:
        return
    if isinstance(node, str):
        yield where, node
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in SKIPPED_FIELDS:
                continue
            yield "json", str(key)
            yield from _json(f"json:{str(key)[:40]}", value, depth + 1)
    elif isinstance(node, list):
        for item in node:
            yield from _json(where, item, depth + 1)
