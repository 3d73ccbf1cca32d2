"""The plugin's part of the API's OpenAPI document (the ``praxcloud_openapi`` hook)."""

from __future__ import annotations

from praxcloud.plugin import (
    ID_PARAM,
    OpenApiPart,
    api_route_patterns,
    error_response,
    json_response,
    operation,
    ref,
)

from .api_views import ERASE_BY_EMAIL
from .routes import API_ROUTES

PATH = api_route_patterns(API_ROUTES)
COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}
RUN = {
    "type": "object", "additionalProperties": False,
    "required": ["id", "kind", "status", "policy_version", "trigger", "started_at",
                 "finished_at", "cutoff", "records", "counts", "sample_ids"],
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string", "enum": ["dry_run", "run"]},
        "status": {"type": "string", "enum": ["running", "done", "refused"],
                   "description": "`running` for a run still going or killed (the next run "
                                  "finishes its work)"},
        "policy_version": {"type": "string"},
        "trigger": {"type": "string", "description": "cli, task, api or console"},
        "started_at": {"type": "string", "format": "date-time"},
        "finished_at": {"type": ["string", "null"], "format": "date-time"},
        "cutoff": {"type": "string", "format": "date-time",
                   "description": "Records without activity since then are anonymised"},
        "records": {"type": "integer"},
        "counts": {**COUNTS, "description": "Per field, rows (to be) rewritten"},
        "sample_ids": {"type": "array", "items": {"type": "integer"}},
    },
}
SCHEMAS = {
    "AnonymiserRun": RUN,
    "AnonymiserRuns": {
        "type": "object", "additionalProperties": False,
        "required": ["policy_version", "dry_run_seen", "runs"],
        "properties": {"policy_version": {"type": "string"},
                       "dry_run_seen": {"type": "boolean",
                                        "description": "A real run is refused until true"},
                       "runs": {"type": "array", "items": ref("AnonymiserRun")}},
    },
    "AnonymiserReceipt": {
        "type": "object", "additionalProperties": False,
        "required": ["receipt", "at", "by", "by_user_id", "mode", "counts"],
        "properties": {
            "receipt": {"type": "integer", "description": "The receipt's id"},
            "at": {"type": "string", "format": "date-time"},
            "by": {"type": "string", "description": "api, console or cli"},
            "by_user_id": {"type": ["integer", "null"]},
            "mode": {"type": "string", "enum": ["record", "email"]},
            "counts": {"type": "object", "additionalProperties": True,
                       "description": "Rows erased: records, users, sessions, audit_events "
                                      "(events blanked), plugin_rows (per table)"},
        },
    },
    "AnonymiserEraseByEmail": ERASE_BY_EMAIL,
}
ERASE_ANSWERS = {"200": json_response("AnonymiserReceipt", "Erased; the receipt"),
                 "403": error_response("No `records.erase` permission, or `reauth_required`: "
                                       "confirm the password first"),
                 "409": error_response("`cannot_erase_self`: the person is the caller; "
                                       "`last_manager`: the person is the last active user "
                                       "who may manage users")}
PATHS = {
    PATH["anonymiser.api.erase_record"]: {"post": operation(
        "Erase the person of this record everywhere (right to be forgotten)",
        {**ERASE_ANSWERS, "404": error_response("No such record, or the tenant does not "
                                                "enable the anonymiser")},
        op_id="anonymiserEraseRecord", params=(ID_PARAM,))},
    PATH["anonymiser.api.erase"]: {"post": operation(
        "Erase the person with this e-mail address everywhere (right to be forgotten)",
        {**ERASE_ANSWERS, "404": error_response("No record or user has the address")},
        op_id="anonymiserEraseEmail", body="AnonymiserEraseByEmail")},
    PATH["anonymiser.api.runs"]: {"get": operation(
        "The policy's version and the latest runs (dry and real)",
        {"200": json_response("AnonymiserRuns")}, op_id="anonymiserRuns")},
    PATH["anonymiser.api.dry_run"]: {"post": operation(
        "Count what the policy would anonymise now (changes nothing)",
        {"200": json_response("AnonymiserRun")}, op_id="anonymiserDryRun")},
}


def openapi_part() -> OpenApiPart:
    return {"paths": PATHS, "schemas": SCHEMAS}
