"""Records through the API."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound

from .. import records
from ..errors import ApiError
from ..models import Record
from ..permissions import RECORDS_READ, RECORDS_WRITE
from ..views_support import api_view, json_body
from .serialize import record_json


def _int_param(request, name: str, default: int, low: int, high: int) -> int:
    raw = request.GET.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError("invalid_parameter", f"{name} must be a whole number", 400,
                       {name: "not a whole number"}) from None
    if not low <= value <= high:
        raise ApiError("invalid_parameter", f"{name} must be between {low} and {high}", 400,
                       {name: f"between {low} and {high}"})
    return value


def _record(request) -> Record:
    try:
        record_id = int(request.matchdict["id"])
    except ValueError:
        raise HTTPNotFound() from None
    record = request.tenant_db.get(Record, record_id)
    if record is None:
        raise HTTPNotFound()
    return record


@api_view(route_name="api.records", request_method="GET", permission=RECORDS_READ)
def list_records(request):
    page = _int_param(request, "page", 1, 1, 10**6)
    per_page = _int_param(request, "per_page", 50, 1, records.MAX_PER_PAGE)
    query = request.GET.get("q")
    if query is not None and len(query) > 200:
        raise ApiError("invalid_parameter", "q is at most 200 characters", 400, {"q": "too long"})
    result = records.search(request.tenant_db, query, page, per_page)
    return {"items": [record_json(r) for r in result.items], "page": result.page,
            "per_page": result.per_page, "total": result.total}


@api_view(route_name="api.records", request_method="POST", permission=RECORDS_WRITE)
def create_record(request):
    body = json_body(request, "RecordInput")
    if not body.get("name"):
        raise ApiError("validation_failed", "the request body does not validate", 422,
                       {"name": "this field is required"})
    record = records.create(request.tenant_db, body)
    request.response.status = 201
    return record_json(record)


@api_view(route_name="api.record", request_method="GET", permission=RECORDS_READ)
def get_record(request):
    return record_json(_record(request))


@api_view(route_name="api.record", request_method="PATCH", permission=RECORDS_WRITE)
def update_record(request):
    record = _record(request)
    body = json_body(request, "RecordInput")
    return record_json(records.update(request.tenant_db, record, body))


@api_view(route_name="api.record", request_method="DELETE", permission=RECORDS_WRITE)
def delete_record(request):
    record = _record(request)
    request.tenant_db.delete(record)
    request.audit.record("record.delete", details={"record_id": record.id})
    request.response.status = 204
    return request.response
