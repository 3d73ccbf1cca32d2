"""Records in the console: list and search, read, create, change, delete.

Reading needs ``records.read``, every change ``records.write``. A form that
does not validate comes back with the user's input and a message per field,
and nothing is written.
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config

from .. import record_audit, records
from ..models import Record
from ..permissions import RECORDS_READ, RECORDS_WRITE
from . import record_form
from .common import FORM_INVALID, has_control_chars, object_id, redirect, sentence

PER_PAGE = 50
MAX_QUERY = 200


def _record(request) -> Record:
    record = request.tenant_db.get(Record, object_id(request))
    if record is None:
        raise HTTPNotFound()
    return record


def _page_number(raw: str) -> int | None:
    if raw in ("", None):
        return 1
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 7 or int(raw) < 1:
        return None
    return int(raw)


def _refused(request, exc: records.RecordInvalid) -> dict:
    """The service refused what the form let through: show why, keep nothing of it."""
    request.tm.doom()
    form = record_form.parse(request.POST)
    record = _record(request) if "id" in request.matchdict else None
    form.errors.update({key: sentence(message) for key, message in exc.fields.items()})
    request.response.status = FORM_INVALID
    return {"form": form, "record": record}


@view_config(route_name="console.records", request_method="GET", permission=RECORDS_READ,
             renderer="console/records.jinja2")
def record_list(request):
    query = request.GET.get("q", "").strip()
    page_number = _page_number(request.GET.get("page", ""))
    answer = {"q": query[:MAX_QUERY], "page": None, "error": None,
              "can_write": RECORDS_WRITE in request.praxcloud_identity.permissions}
    if len(query) > MAX_QUERY:
        answer["error"] = f"Search for at most {MAX_QUERY} characters."
    elif has_control_chars(query):
        answer["error"] = "The search text contains invisible control characters."
    elif page_number is None:
        answer["error"] = "The page number must be a whole number from 1 on."
    if answer["error"]:
        request.response.status = 400
        return answer
    page = records.search(request.tenant_db, query or None, page_number, PER_PAGE)
    if page.items == [] and page_number > page.pages:
        # Past the end (records deleted meanwhile): show the last page instead.
        page = records.search(request.tenant_db, query or None, page.pages, PER_PAGE)
    record_audit.listed(request, page.items, query=query or None, page=page.page,
                        total=page.total)
    answer["page"] = page
    return answer


@view_config(route_name="console.record", request_method="GET", permission=RECORDS_READ,
             renderer="console/record.jinja2")
def record_view(request):
    record = _record(request)
    record_audit.viewed(request, record)
    return {"record": record,
            "can_write": RECORDS_WRITE in request.praxcloud_identity.permissions}


@view_config(route_name="console.record_new", request_method="GET", permission=RECORDS_WRITE,
             renderer="console/record_form.jinja2")
def record_new_form(request):
    return {"form": record_form.empty(), "record": None}


@view_config(route_name="console.record_new", request_method="POST", permission=RECORDS_WRITE,
             renderer="console/record_form.jinja2", form_error=_refused)
def record_create(request):
    form = record_form.parse(request.POST)
    if not form.valid:
        request.response.status = FORM_INVALID
        return {"form": form, "record": None}
    record = records.create(request.tenant_db, form.values)  # RecordInvalid: _refused
    record_audit.created(request, record)
    request.flash(f"Record “{record.name}” created.", "success")
    return redirect(request, "console.record", id=record.id)


@view_config(route_name="console.record_edit", request_method="GET", permission=RECORDS_WRITE,
             renderer="console/record_form.jinja2")
def record_edit_form(request):
    record = _record(request)
    record_audit.viewed(request, record)  # the form shows every value
    return {"form": record_form.from_record(record), "record": record}


@view_config(route_name="console.record_edit", request_method="POST", permission=RECORDS_WRITE,
             renderer="console/record_form.jinja2", form_error=_refused)
def record_update(request):
    record = _record(request)
    form = record_form.parse(request.POST)
    if not form.valid:
        request.response.status = FORM_INVALID
        return {"form": form, "record": record}
    with record_audit.changes(request, record):
        records.update(request.tenant_db, record, form.values)  # RecordInvalid: _refused
    request.flash("Changes saved.", "success")
    return redirect(request, "console.record", id=record.id)


@view_config(route_name="console.record_delete", request_method="GET", permission=RECORDS_WRITE,
             renderer="console/record_delete.jinja2")
def record_delete_confirm(request):
    return {"record": _record(request)}


@view_config(route_name="console.record_delete", request_method="POST", permission=RECORDS_WRITE)
def record_delete(request):
    record = _record(request)
    record_id, name = record.id, record.name
    records.delete(request.tenant_db, record)
    record_audit.deleted(request, record_id, name)
    request.flash(f"Record “{name}” deleted.", "success")
    return redirect(request, "console.records")
