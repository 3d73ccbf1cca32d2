"""The console's home page: a welcome, the figures the user may see, and plugin panels."""

from __future__ import annotations

import datetime as dt
import logging

from markupsafe import Markup
from pyramid.renderers import render
from pyramid.view import view_config
from sqlalchemy import func, select

from ..models import AuditEvent, Record, User, utcnow
from ..permissions import AUDIT_READ, AUTHENTICATED, RECORDS_READ, RECORDS_WRITE, USERS_MANAGE
from ..security import tenant_sessions
from .no_access import has_no_access, no_access_response

log = logging.getLogger(__name__)


def _count(request, statement) -> int:
    return request.tenant_db.scalar(select(func.count()).select_from(statement.subquery())) or 0


def figures(request) -> list[dict]:
    """Counts for the dashboard, each only for a user with the permission to open its page."""
    identity = request.praxcloud_identity
    slug = request.tenant.slug
    result = []
    if RECORDS_READ in identity.permissions:
        result.append({"label": "Records", "value": _count(request, select(Record.id)),
                       "url": request.route_url("console.records", tenant=slug)})
    if USERS_MANAGE in identity.permissions:
        result.append({"label": "Active users",
                       "value": _count(request, select(User.id).where(User.is_active.is_(True))),
                       "url": request.route_url("console.users", tenant=slug)})
    if AUDIT_READ in identity.permissions:
        since = utcnow() - dt.timedelta(hours=24)
        failed = select(AuditEvent.id).where(AuditEvent.event == "login",
                                             AuditEvent.outcome == "failure",
                                             AuditEvent.at >= since)
        result.append({"label": "Failed logins, last 24 h", "value": _count(request, failed),
                       "url": request.route_url("console.audit", tenant=slug)})
    result.append({"label": "Your open sessions",
                   "value": len(tenant_sessions(request).live_for_user(identity.user)),
                   "url": request.route_url("console.sessions", tenant=slug)})
    return result


UNAVAILABLE = Markup("<p class=\"muted\">This panel could not be shown just now.</p>")


def _panel_html(request, panel: dict) -> Markup:
    # Plugin panels are markup from installed code (the hook's contract), not user
    # input; values inside a template are escaped by the template itself.
    if panel.get("template"):
        context = {"request": request, **(panel.get("context") or {})}
        return Markup(render(panel["template"], context, request=request))  # noqa: S704
    return Markup(panel.get("html", ""))  # noqa: S704


def panels(request) -> list[dict]:
    """Panels from the tenant's plugins, each rendered to HTML.

    A panel gives ``html`` or a ``template`` rendered with its ``context``.
    A failing plugin costs its panel, not the page: panels only display.
    """
    try:
        answers = request.tenant_hooks.praxcloud_console_panels(request=request)
    except Exception:
        log.exception("a console_panels hook failed for tenant %s", request.tenant.slug)
        return [{"title": "Panels unavailable", "html": UNAVAILABLE}]
    result = []
    for answer in answers:
        for panel in [answer] if isinstance(answer, dict) else (answer or ()):
            try:
                html = _panel_html(request, panel)
            except Exception:
                log.exception("console panel %r failed for tenant %s", panel.get("title"),
                              request.tenant.slug)
                html = UNAVAILABLE
            result.append({"title": panel.get("title", ""), "html": html})
    return result


@view_config(route_name="console.home", request_method="GET", permission=AUTHENTICATED,
             renderer="console/home.jinja2")
def home(request):
    identity = request.praxcloud_identity
    if has_no_access(identity):
        return no_access_response(request)
    return {
        "user": identity.user,
        "figures": figures(request),
        "panels": panels(request),
        "can_read_records": RECORDS_READ in identity.permissions,
        "can_write_records": RECORDS_WRITE in identity.permissions,
    }
