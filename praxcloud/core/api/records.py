"""Records through the API."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound

from .. import record_audit, record_rules, records
from ..errors import ApiError
from ..models import Record
from ..permissions import RECORDS_READ, RECORDS_WRITE
from ..views_support import api_view, json_body, no_content
from .params import int_param, path_id, text_param
from .schemas import validate
from .serialize import record_json, records_json

MAX_QUERY_LENGTH = 200
MAX_PAGE = 10**6


def _record_body(request, creating: bool) -> dict:
    """The body, checked against ``RecordInput`` and then by the records service's rules.

    Where the schema and the service both refuse a field, the service's
    words win: they are the console's too (``record_rules``).
    """
    body = json_body(request)
    try:
        validate("RecordInput", body)
    except ApiError as exc:
        exc.fields.update(record_rules.clean(body, creating)[1])
        raise
    return body


def _record(request) -> Record:
    record = request.tenant_db.get(Record, path_id(request))
    if record is None:
        raise HTTPNotFound()
    return record


@api_view(route_name="api.records", request_method="GET", permission=RECORDS_READ)
def list_records(request):
    page = int_param(request, "page", 1, 1, MAX_PAGE)
    per_page = int_param(request, "per_page", records.DEFAULT_PER_PAGE, 1, records.MAX_PER_PAGE)
    query = text_param(request, "q", MAX_QUERY_LENGTH)
    result = records.read_page(request.tenant_db, query, page, per_page)
    record_audit.listed(request, result.items, query=query, page=result.page, total=result.total)
    return {"items": records_json(result.items), "page": result.page,
            "per_page": result.per_page, "total": result.total}


@api_view(route_name="api.records", request_method="POST", permission=RECORDS_WRITE)
def create_record(request):
    body = _record_body(request, creating=True)
    record = records.create(request.tenant_db, body)
    record_audit.created(request, record)
    request.response.status = 201
    return record_json(record)


@api_view(route_name="api.record", request_method="GET", permission=RECORDS_READ)
def get_record(request):
    record = records.read_one(request.tenant_db, path_id(request))
    if record is None:
        raise HTTPNotFound()
    record_audit.viewed(request, record)
    return record_json(record)


@api_view(route_name="api.record", request_method="PATCH", permission=RECORDS_WRITE)
def update_record(request):
    record = _record(request)
    body = _record_body(request, creating=False)
    with record_audit.changes(request, record):
        records.update(request.tenant_db, record, body)
    return record_json(record)


@api_view(route_name="api.record", request_method="DELETE", permission=RECORDS_WRITE)
def delete_record(request):
    record = _record(request)
    record_id, name = record.id, record.name
    records.delete(request.tenant_db, record)
    record_audit.deleted(request, record_id, name)
    return no_content(request)
