"""The data subject access report through the API (audit.read).

``GET /api/v1/{tenant}/audit/subject?record_id=…|user_id=…|email=…``: every
audit entry that touched one person's data, newest first (see
:mod:`praxcloud.core.audit_report`). Taking the report is itself audited.
"""

from __future__ import annotations

from .. import audit_report
from ..errors import ApiError
from ..permissions import AUDIT_READ
from ..views_support import api_view
from .params import ID_RE, MAX_ID, text_param

SUBJECT_PARAMS = ("record_id", "user_id", "email")
MAX_EMAIL = 254


def _bad(name: str, message: str) -> ApiError:
    return ApiError("invalid_parameter", message, 400, {name: message})


def _id(raw: str, name: str) -> int:
    if not ID_RE.fullmatch(raw) or int(raw) > MAX_ID:
        raise _bad(name, f"{name} must be a positive whole number")
    return int(raw)


def subject_from(request) -> audit_report.Subject:
    given = [name for name in SUBJECT_PARAMS if request.GET.get(name, "") != ""]
    if len(given) != 1:
        raise ApiError("invalid_parameter", "give exactly one of record_id, user_id, email",
                       400, {"subject": "exactly one of record_id, user_id, email"})
    [name] = given
    session = request.tenant_db
    # An unknown record or user raises SubjectUnknown: 404 "not_found".
    if name == "record_id":
        return audit_report.for_record(session, _id(request.GET[name], name))
    if name == "user_id":
        return audit_report.for_user(session, _id(request.GET[name], name))
    email = (text_param(request, "email", MAX_EMAIL) or "").strip()
    if "@" not in email:
        raise _bad("email", "email must be an e-mail address")
    return audit_report.for_email(session, email)


@api_view(route_name="api.audit.subject", request_method="GET", permission=AUDIT_READ)
def subject_report(request):
    subject = subject_from(request)
    found = audit_report.entries(request.tenant_db, subject)
    # Who took a copy of a person's trail is itself a line in it, filed under that person.
    request.audit.record("audit.subject_report", target=subject.label,
                         subjects=subject.audit_subjects(),
                         details={"by": subject.kind, "entries": len(found), "format": "json"})
    return {"subject": subject.as_dict(), "items": [entry.as_dict() for entry in found],
            "total": len(found)}
