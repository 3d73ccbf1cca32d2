"""The tenant's audit trail in the console: read it, filter it, export it.

The page and the exports share one set of filters (event, outcome, actor,
date range), parsed by :func:`parse_filters`; a filter that does not parse
comes back as a message on the form, never as an error page. Rows hold no
passwords or tokens (the audit trail refuses them), so they are shown as
stored. Dates are UTC days, as the timestamps are.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import unicodedata
from dataclasses import dataclass

from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import Select, func, select

from ..api.serialize import iso
from ..fields import codecs_of
from ..models import AuditEvent, User
from ..permissions import AUDIT_READ
from ..search import like_pattern
from .admin_forms import Pager, invalid, page_number

OUTCOMES = ("success", "failure")
EXPORT_FORMATS = ("csv", "json")
# An export is built in memory; beyond this the administrator narrows the dates.
EXPORT_MAX_ROWS = 100_000
COLUMNS = ("id", "at", "event", "outcome", "actor", "actor_id", "ip", "target", "details")
# A cell starting with one of these is a formula to spreadsheet programs; a
# failed login can put any text in ``target``, so such cells are quoted.
# Spreadsheets skip leading blanks and read a full-width "＝" as "=", so the
# first character that is not blank, after NFKC normalisation, decides.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _is_blank(ch: str) -> bool:
    # Spaces (no-break and ideographic too), control and invisible format characters.
    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zs")


def looks_like_formula(text: str) -> bool:
    if text.startswith(FORMULA_STARTS):
        return True
    normalised = unicodedata.normalize("NFKC", text)
    first = next((ch for ch in normalised if not _is_blank(ch)), "")
    return first in FORMULA_STARTS


@dataclass
class AuditFilters:
    event: str = ""
    outcome: str = ""
    actor: str = ""
    date_from: str = ""
    date_to: str = ""

    def query(self) -> dict[str, str]:
        """The filters as query parameters, empty ones left out."""
        return {key: value for key, value in (
            ("event", self.event), ("outcome", self.outcome), ("actor", self.actor),
            ("from", self.date_from), ("to", self.date_to)) if value}


def _day(raw: str) -> dt.date:
    return dt.date.fromisoformat(raw)


def parse_filters(params) -> tuple[AuditFilters, dict[str, str]]:
    """The filters in ``params`` and a message for each one that cannot be used."""
    filters = AuditFilters(
        event=params.get("event", "").strip(), outcome=params.get("outcome", "").strip(),
        actor=params.get("actor", "").strip(), date_from=params.get("from", "").strip(),
        date_to=params.get("to", "").strip(),
    )
    errors: dict[str, str] = {}
    if len(filters.event) > 80:
        errors["event"] = "Choose an event from the list."
    if filters.outcome and filters.outcome not in OUTCOMES:
        errors["outcome"] = "Choose success or failure."
    if len(filters.actor) > 254:
        errors["actor"] = "Use at most 254 characters."
    days = {}
    for key, raw in (("from", filters.date_from), ("to", filters.date_to)):
        if not raw:
            continue
        try:
            days[key] = _day(raw)
        except ValueError:
            errors[key] = "Enter a date like 2024-05-31."
    if "from" in days and "to" in days and days["from"] > days["to"]:
        errors["to"] = "The end date is before the start date."
    return filters, errors


def apply_filters(statement: Select, filters: AuditFilters, tenant_db=None) -> Select:
    codecs = codecs_of(tenant_db)
    if filters.event:
        statement = statement.where(AuditEvent.event == filters.event)
    if filters.outcome:
        statement = statement.where(AuditEvent.outcome == filters.outcome)
    if filters.actor and codecs.is_encoded(AuditEvent, "actor"):
        # Encrypted display values cannot be searched: the user with exactly this e-mail.
        users = codecs.lookup(tenant_db, User, "email", filters.actor.strip().lower())
        statement = statement.where(AuditEvent.actor_id.in_([user.id for user in users]))
    elif filters.actor:
        statement = statement.where(
            AuditEvent.actor.ilike(like_pattern(filters.actor), escape="\\"))
    if filters.date_from:
        start = dt.datetime.combine(_day(filters.date_from), dt.time(), dt.UTC)
        statement = statement.where(AuditEvent.at >= start)
    if filters.date_to:
        # "to" names a whole day: everything before the next midnight.
        end = dt.datetime.combine(_day(filters.date_to) + dt.timedelta(days=1), dt.time(), dt.UTC)
        statement = statement.where(AuditEvent.at < end)
    return statement


def _newest_first(statement: Select) -> Select:
    return statement.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def _count(request, statement: Select) -> int:
    return request.tenant_db.scalar(
        select(func.count()).select_from(statement.order_by(None).subquery())) or 0


def _page(request, filters: AuditFilters, errors: dict, events: list, pager: Pager | None):
    known = sorted(set(request.tenant_db.scalars(select(AuditEvent.event).distinct())))
    return {"filters": filters, "errors": errors, "events": events, "pager": pager,
            "event_names": known, "outcomes": OUTCOMES, "query": filters.query()}


@view_config(route_name="console.audit", request_method="GET", permission=AUDIT_READ,
             renderer="console/admin_audit.jinja2")
def audit_trail(request):
    filters, errors = parse_filters(request.GET)
    if errors:
        return invalid(request, _page(request, filters, errors, [], None))
    statement = apply_filters(select(AuditEvent), filters, request.tenant_db)
    pager = Pager(page_number(request), _count(request, statement))
    events = list(request.tenant_db.scalars(
        _newest_first(statement).limit(pager.per_page).offset(pager.offset)))
    return _page(request, filters, errors, events, pager)


def event_dict(row: AuditEvent) -> dict:
    return {
        "id": row.id, "at": iso(row.at), "event": row.event,
        "outcome": row.outcome, "actor": row.actor, "actor_id": row.actor_id, "ip": row.ip,
        "target": row.target, "details": row.details or {},
    }


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        value = json.dumps(value, sort_keys=True, ensure_ascii=False)
    text = str(value)
    return "'" + text if looks_like_formula(text) else text


def render_csv(rows: list[dict], columns: tuple[str, ...] = COLUMNS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row[column]) for column in columns])
    return buffer.getvalue().encode("utf-8")


def render_json(rows: list[dict]) -> bytes:
    return json.dumps(rows, ensure_ascii=False, indent=1).encode("utf-8")


@view_config(route_name="console.audit_export", request_method="GET", permission=AUDIT_READ,
             renderer="console/admin_audit.jinja2")
def audit_export(request):
    kind = request.matchdict["format"]
    if kind not in EXPORT_FORMATS:
        raise HTTPNotFound()
    filters, errors = parse_filters(request.GET)
    statement = (apply_filters(select(AuditEvent), filters, request.tenant_db)
                 if not errors else None)
    if statement is not None and _count(request, statement) > EXPORT_MAX_ROWS:
        errors["form"] = (f"More than {EXPORT_MAX_ROWS:,} events match: choose a shorter date "
                          "range to export them in parts.")
    if errors:
        return invalid(request, _page(request, filters, errors, [], None))
    rows = [event_dict(row) for row in request.tenant_db.scalars(_newest_first(statement))]
    # Who took a copy of the trail, and how much, is itself worth a line in it.
    request.audit.record("audit.export", details={"format": kind, "rows": len(rows),
                                                  "filters": filters.query()})
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    if kind == "csv":
        response = Response(body=render_csv(rows), content_type="text/csv", charset="utf-8")
    else:
        response = Response(body=render_json(rows), content_type="application/json",
                            charset="utf-8")
    response.content_disposition = (
        f'attachment; filename="audit-{request.tenant.slug}-{stamp}.{kind}"')
    return response
