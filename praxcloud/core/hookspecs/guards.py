"""Guard hooks: the veto before any view runs, and the refusals the core makes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .markers import hookspec

if TYPE_CHECKING:  # only for the annotations: hookspecs import nothing else of the core
    from pyramid.request import Request
    from pyramid.response import Response

    from ..models import User


@hookspec(firstresult=True)
def praxcloud_check_request(request: Request) -> Response | None:
    """Veto a request before any view runs (IP allowlists, WAF blacklists).

    Return a Response to answer the request with it, or ``None`` to let it
    pass. ``request.tenant`` is set when the path names a tenant. An
    exception raised here denies the request (fail closed).
    """


@hookspec
def praxcloud_permission_denied(
    request: Request, user: User, permission: str | None, context: object
) -> None:
    """``user`` asked for something ``permission`` guards and does not have it."""


@hookspec
def praxcloud_escalation_attempt(
    request: Request, user: User, kind: str, details: dict[str, Any]
) -> None:
    """``user`` presented something that is not theirs, whatever their permissions.

    The core recognises these attempts itself (:mod:`praxcloud.core.escalations`):
    ``kind`` is ``"foreign_tenant"`` (a live session's token of this tenant
    sent to another tenant's address: a forged slug) or ``"foreign_token"``
    (a form sent in the user's session with the CSRF token of another user's
    session: a replayed token). ``request`` belongs to ``user``'s tenant even
    when the attempt was made at another's; ``details`` says where (``method``,
    ``path``, ``tenant`` for the address the attempt went to). Each is
    audited by the core as ``escalation.attempt``; the request is refused
    whatever the plugins do.
    """
