"""The plugin's part of the API's OpenAPI document (the ``praxcloud_openapi`` hook)."""

from __future__ import annotations

from praxcloud.plugin import (
    OpenApiPart,
    api_route_patterns,
    json_response,
    operation,
)

from .config import FIELDS
from .routes import API_ROUTES

PATH = api_route_patterns(API_ROUTES)

SCHEMAS = {
    "FieldEncryption": {
        "type": "object", "additionalProperties": False,
        "required": ["fields", "keys", "rotate_after_encryptions", "blind_index",
                     "rotation_pending", "progress", "moving"],
        "properties": {
            "fields": {"type": "array", "items": {"type": "string", "enum": FIELDS},
                       "description": "The fields stored encrypted"},
            "keys": {"type": "array", "items": {
                "type": "object", "additionalProperties": False,
                "required": ["version", "state", "created_at", "retired_at", "encryptions",
                             "share_of_limit"],
                "properties": {
                    "version": {"type": "integer"},
                    "state": {"type": "string", "enum": ["active", "decrypt_only", "retired"]},
                    "created_at": {"type": "string", "format": "date-time"},
                    "retired_at": {"type": ["string", "null"], "format": "date-time"},
                    "encryptions": {"type": "integer",
                                    "description": "Counted in reserved blocks: may run "
                                                   "ahead of the values encrypted"},
                    "share_of_limit": {"type": "number",
                                       "description": "Of NIST's 2^32 encryptions per key"},
                }}},
            "rotate_after_encryptions": {"type": "integer"},
            "blind_index": {
                "type": "object", "additionalProperties": False,
                "required": ["field", "bits", "expected_users"],
                "properties": {"field": {"type": "string"}, "bits": {"type": "integer"},
                               "expected_users": {"type": "integer"}}},
            "progress": {
                "type": ["object", "null"], "additionalProperties": False,
                "required": ["done", "total"],
                "properties": {"done": {"type": "integer"}, "total": {"type": "integer"}},
                "description": "Rows re-encrypted so far by a rotation, or moved so far by "
                               "a move, under way"},
            "rotation_pending": {"type": "boolean",
                                 "description": "An old key still decrypts values not yet "
                                                "re-encrypted"},
            "moving": {"type": ["string", "null"], "enum": ["enable", "disable", "configure", None],
                       "description": "The stored values are being moved, in batches: "
                                      "encrypted (enable), decrypted (disable) or between "
                                      "field lists (configure); null when not"},
        },
    },
    "FieldEncryptionRotation": {
        "type": "object", "additionalProperties": False, "required": ["queued", "task"],
        "properties": {"queued": {"type": "boolean", "const": True},
                       "task": {"type": "string", "description": "The Celery job's id"}},
    },
}

PATHS = {
    PATH["field_encryption.api.status"]: {"get": operation(
        "What is stored encrypted, under which data key versions",
        {"200": json_response("FieldEncryption")}, op_id="fieldEncryptionStatus")},
    PATH["field_encryption.api.rotate"]: {"post": operation(
        "Rotate the data key: a new version encrypts, a background job re-encrypts every "
        "stored value, then the old version is erased",
        {"202": json_response("FieldEncryptionRotation")}, op_id="fieldEncryptionRotate")},
}


def openapi_part() -> OpenApiPart:
    return {"paths": PATHS, "schemas": SCHEMAS}
