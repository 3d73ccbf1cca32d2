"""One-time messages shown on the next console page ("Record saved.").

Kept in the server-side session row of the logged-in user or operator, so
they survive the redirect after a POST; without a session they only reach
the page rendered by the same request.
"""

from __future__ import annotations

from pyramid.events import BeforeRender, subscriber


def _session(request):
    identity = request.praxcloud_identity
    if identity is None or identity.kind == "api":
        return None
    return identity.session


def flash(request, message: str, kind: str = "info") -> None:
    session = _session(request)
    if session is None:
        request.environ.setdefault("praxcloud.flashes", []).append((kind, message))
        return
    data = dict(session.data or {})
    data["flash"] = [*data.get("flash", []), [kind, message]]
    session.data = data  # a new dict, so SQLAlchemy sees the change


def pop_flashes(request) -> list[tuple[str, str]]:
    messages = list(request.environ.pop("praxcloud.flashes", []))
    identity = request.praxcloud_identity
    if identity is None or identity.kind == "api" or not identity.session_data.get("flash"):
        # Most pages have none: the session's ORM row need not be loaded to know.
        return messages
    session = identity.session
    data = dict(session.data or {})
    messages = [tuple(m) for m in data.pop("flash")] + messages
    session.data = data
    return messages


@subscriber(BeforeRender)
def add_flashes(event) -> None:
    request = event.get("request")
    if request is not None and "flashes" not in event:
        try:
            event["flashes"] = pop_flashes(request)
        except Exception:
            # An error page for an unknown tenant has no session to read.
            event["flashes"] = []


def includeme(config) -> None:
    config.add_request_method(flash, "flash")
    config.scan(__name__)
