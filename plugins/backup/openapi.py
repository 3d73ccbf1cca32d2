"""The plugin's part of the API's OpenAPI document (the ``praxcloud_openapi`` hook)."""

from __future__ import annotations

from praxcloud.plugin import OpenApiPart, error_response, json_response, operation

from .routes import API_ROUTES

PATH = API_ROUTES["backup.api.backups"][0]
SCHEMAS = {
    "BackupList": {
        "type": "object", "required": ["backups", "last_failure"], "additionalProperties": False,
        "properties": {
            "backups": {"type": "array", "description": "Newest first", "items": {
                "type": "object", "additionalProperties": False,
                "required": ["id", "at", "status", "size", "engine", "revision"],
                "properties": {
                    "id": {"type": "string", "description": "restic's snapshot id"},
                    "at": {"type": "string", "format": "date-time"},
                    "status": {"type": "string", "enum": ["verified", "unverified"],
                               "description": "verified: read back in full after writing"},
                    "size": {"type": ["integer", "null"],
                             "description": "Bytes of the database dump"},
                    "engine": {"type": ["string", "null"], "enum": ["sqlite", "postgresql",
                                                                     None]},
                    "revision": {"type": ["string", "null"],
                                 "description": "The schema's alembic revisions"}}}},
            "last_failure": {
                "type": ["object", "null"], "additionalProperties": False,
                "required": ["at", "message"],
                "description": "The newest failed run, unless a run succeeded since",
                "properties": {"at": {"type": "string", "format": "date-time"},
                               "message": {"type": "string"}}},
        },
    },
    "BackupStarted": {
        "type": "object", "required": ["status"], "additionalProperties": False,
        "properties": {"status": {"type": "string", "enum": ["started"]}},
    },
}
PATHS = {PATH: {
    "get": operation("The tenant's backups, newest first, and the last failure",
                     {"200": json_response("BackupList"),
                      "502": error_response("`backup_unavailable`: the target cannot be read "
                                            "(unreachable, wrong key, restic missing)")},
                     op_id="backupList"),
    "post": operation("Back the tenant up now (written, verified, then listed)",
                      {"202": json_response("BackupStarted", description="Started")},
                      op_id="backupRun"),
}}


def openapi_part() -> OpenApiPart:
    return {"paths": PATHS, "schemas": SCHEMAS}
