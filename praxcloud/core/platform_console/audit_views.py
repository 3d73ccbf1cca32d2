"""The platform's own audit trail: what operators did, newest first.

It holds tenant and contract changes and operator logins; tenant users'
security events stay in each tenant's own trail, out of operators' sight.
"""

from __future__ import annotations

from pyramid.view import view_config
from sqlalchemy import func, select

from ..models import PlatformAuditEvent
from ..security import OPERATOR_PERMISSION
from .support import query_text

PER_PAGE = 50


def _page_number(value) -> int:
    try:
        return max(1, min(int(value), 100_000))
    except (TypeError, ValueError):
        return 1


@view_config(route_name="platform.audit", request_method="GET",
             permission=OPERATOR_PERMISSION, renderer="platform/audit.jinja2")
def audit(request):
    tenant = query_text(request, "tenant", 40)
    event = query_text(request, "event", 80)
    page = _page_number(request.GET.get("page", 1))
    query = select(PlatformAuditEvent)
    if tenant:
        query = query.where(PlatformAuditEvent.tenant_slug == tenant)
    if event:
        query = query.where(PlatformAuditEvent.event == event)
    total = request.dbsession.scalar(select(func.count()).select_from(query.subquery()))
    events = list(request.dbsession.scalars(
        query.order_by(PlatformAuditEvent.at.desc(), PlatformAuditEvent.id.desc())
        .offset((page - 1) * PER_PAGE).limit(PER_PAGE)))
    names = list(request.dbsession.scalars(
        select(PlatformAuditEvent.event).distinct().order_by(PlatformAuditEvent.event)))
    pages = max(1, -(-total // PER_PAGE))
    filters = {k: v for k, v in (("tenant", tenant), ("event", event)) if v}
    return {
        "events": events, "tenant": tenant, "event": event, "event_names": names,
        "page": page, "pages": pages, "total": total, "section": "audit",
        "prev_url": request.route_url("platform.audit", _query={**filters, "page": page - 1})
        if page > 1 else None,
        "next_url": request.route_url("platform.audit", _query={**filters, "page": page + 1})
        if page < pages else None,
    }
