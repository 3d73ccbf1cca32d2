"""The data subject access report in the console (audit.read).

An administrator names a person by record id, user id or e-mail address and
sees every audit entry that touched their data (see
:mod:`praxcloud.core.audit_report`), and downloads it as CSV or JSON for the
institution's answer to an access request. A download is itself audited,
filed under the same person. Input that cannot be used comes back as a
message on the form.
"""

from __future__ import annotations

import datetime as dt
import json

from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response
from pyramid.view import view_config

from .. import audit_report
from ..permissions import AUDIT_READ
from .admin_audit import EXPORT_FORMATS, render_csv
from .admin_forms import invalid
from .common import has_control_chars

FIELDS = ("record", "user", "email")
CSV_COLUMNS = ("id", "at", "event", "outcome", "role", "actor", "actor_id", "ip", "target",
               "details")
TEMPLATE = "console/admin_audit_subject.jinja2"


def _id(raw: str) -> int | None:
    if raw.isascii() and raw.isdigit() and len(raw) <= 9 and int(raw) > 0:
        return int(raw)
    return None


def parse_subject(request) -> tuple[dict, dict, audit_report.Subject | None]:
    """The form's values, a message per unusable field, and the subject when there is one."""
    values = {name: request.GET.get(name, "").strip() for name in FIELDS}
    given = [name for name in FIELDS if values[name]]
    errors: dict[str, str] = {}
    if not given:
        return values, errors, None
    if len(given) > 1:
        errors["form"] = "Fill in one of record, user or e-mail address, not several."
        return values, errors, None
    [name] = given
    raw = values[name]
    session = request.tenant_db
    try:
        if name in ("record", "user"):
            ident = _id(raw)
            if ident is None:
                errors[name] = "Enter the number shown on the record's or user's page."
                return values, errors, None
            finder = audit_report.for_record if name == "record" else audit_report.for_user
            return values, errors, finder(session, ident)
    except audit_report.SubjectUnknown:
        errors[name] = f"There is no {name} with this number, nor any entry about one."
        return values, errors, None
    if len(raw) > 254 or "@" not in raw or has_control_chars(raw):
        errors["email"] = "Enter an e-mail address like name@example.org."
        return values, errors, None
    return values, errors, audit_report.for_email(session, raw)


def _query(values: dict) -> dict:
    return {key: value for key, value in values.items() if value}


@view_config(route_name="console.audit_subject", request_method="GET", permission=AUDIT_READ,
             renderer=TEMPLATE)
def subject_report(request):
    values, errors, subject = parse_subject(request)
    answer = {"values": values, "errors": errors, "subject": subject, "entries": None,
              "query": _query(values), "limit": audit_report.MAX_ENTRIES}
    if errors:
        return invalid(request, answer)
    if subject is not None:
        answer["entries"] = audit_report.entries(request.tenant_db, subject)
        request.audit.record("audit.subject_report", target=subject.label,
                             subjects=subject.audit_subjects(),
                             details={"by": subject.kind, "entries": len(answer["entries"]),
                                      "format": "page"})
    return answer


@view_config(route_name="console.audit_subject_export", request_method="GET",
             permission=AUDIT_READ, renderer=TEMPLATE)
def subject_export(request):
    kind = request.matchdict["format"]
    if kind not in EXPORT_FORMATS:
        raise HTTPNotFound()
    values, errors, subject = parse_subject(request)
    if subject is None and not errors:
        errors["form"] = "Fill in a record, a user or an e-mail address first."
    if errors:
        return invalid(request, {"values": values, "errors": errors, "subject": None,
                                 "entries": None, "query": _query(values),
                                 "limit": audit_report.MAX_ENTRIES})
    rows = [entry.as_dict() for entry in audit_report.entries(request.tenant_db, subject)]
    request.audit.record("audit.subject_report", target=subject.label,
                         subjects=subject.audit_subjects(),
                         details={"by": subject.kind, "entries": len(rows), "format": kind})
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    if kind == "csv":
        response = Response(body=render_csv(rows, CSV_COLUMNS), content_type="text/csv",
                            charset="utf-8")
    else:
        body = json.dumps({"subject": subject.as_dict(), "entries": rows},
                          ensure_ascii=False, indent=1).encode("utf-8")
        response = Response(body=body, content_type="application/json", charset="utf-8")
    response.content_disposition = (
        f'attachment; filename="access-report-{request.tenant.slug}-{stamp}.{kind}"')
    return response
