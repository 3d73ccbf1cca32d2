"""What happens when a request is not allowed.

Not logged in: the API answers 401 JSON, the console sends to its login
page. Logged in but lacking the permission: the tenant's plugins hear of it
(``praxcloud_permission_denied``, e.g. lockdown), the attempt is audited in
its own transaction, and the answer is 403.
"""

from __future__ import annotations

import logging

from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import forbidden_view_config

from .console.error_views import error_page
from .console.no_access import has_no_access, no_access_response
from .errors import error_body, json_error
from .escalations import check_foreign_tenant
from .required_actions import pending_required_actions, refusal
from .security import area
from .settings import settings_of

log = logging.getLogger(__name__)


def report_denial(request, user, permission: str | None, context: object = None) -> None:
    """Tell the tenant's plugins (lockdown) and the audit trail that ``user`` asked for
    something ``permission`` guards; the caller answers as it sees fit (403, or 404 where
    another user's object must look like a missing one)."""
    try:
        request.tenant_hooks.praxcloud_permission_denied(
            request=request, user=user, permission=permission, context=context
        )
    finally:
        request.audit.record(
            "permission.denied",
            outcome="failure",
            target=request.path[:254],
            details={"permission": permission, "method": request.method},
            durable=True,
        )


@forbidden_view_config()
def forbidden(exc, request):
    where = area(request)
    identity = request.praxcloud_identity
    if identity is None:
        check_foreign_tenant(request)
        if where == "api":
            return json_error(
                401,
                "unauthorized",
                "log in first: send Authorization: Bearer <token>",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if where == "platform":
            return HTTPSeeOther(request.route_url("platform.login", _query={"next": request.path}))
        if request.tenant is not None:
            return HTTPSeeOther(
                request.route_url(
                    "console.login",
                    tenant=request.tenant.slug,
                    _query={"next": request.path_qs if request.method == "GET" else request.path},
                )
            )
        return HTTPForbidden()
    result = getattr(exc, "result", None)
    # Not `result or ""`: a Denied is an int equal to 0, so it is falsy.
    reason = "" if result is None else str(result)
    permission = getattr(result, "permission", None)
    if not identity.is_operator and request.tenant is not None:
        pending = "required actions pending" in reason
        if not pending:
            report_denial(request, identity.user, permission)
        elif where == "console":
            action = pending_required_actions(identity.session)[0]
            return HTTPSeeOther(request.route_url(action["route"], tenant=request.tenant.slug))
    if where == "api" and "required actions pending" in reason:
        return required_action_error(pending_required_actions(identity.session))
    if where == "api":
        return json_error(403, "forbidden", "you are not allowed to do this")
    if where == "console" and request.tenant is not None:
        if has_no_access(identity):
            # Not "you may not open this page" but "you may open none yet: ask them".
            return no_access_response(request, 403)
        return error_page(request, 403)
    body = settings_of(request).forbidden_text
    return Response(body, status=403, content_type="text/plain")


def required_action_error(actions) -> Response:
    """403 ``required_action`` (or the action's own code): the ``Error`` shape, with
    ``action`` naming what to do now."""
    name, message, code = refusal(actions)
    body = error_body(code, message)
    body["error"]["action"] = name
    return Response(json=body, status=403, content_type="application/json", charset="utf-8")
