"""The plugin's name, its data-key purpose and per-tenant settings."""

from __future__ import annotations

NAME = "field_encryption"
# The purpose its data keys are kept under (praxcloud.plugin.DataKeys).
PURPOSE = "field_encryption"

# Every field the core lets a codec take over, as "table.column".
FIELDS = ["users.email", "users.display_name", "records.name", "records.email",
          "records.phone", "records.date_of_birth", "records.notes", "records.fields"]

SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "fields": {
            "type": "array", "uniqueItems": True, "default": FIELDS,
            "items": {"type": "string", "enum": FIELDS},
            "title": "Fields stored encrypted",
            "description": "Every personal field by default; changing the list encrypts or "
                           "decrypts the stored values at once",
        },
        "expected_users": {
            "type": "integer", "minimum": 2, "maximum": 1_000_000_000, "default": 10_000,
            "title": "Users this institution expects to have",
            "description": "Sizes the e-mail's blind index so that about two addresses share "
                           "each index value: the index alone confirms no address",
        },
        "expected_records": {
            "type": "integer", "minimum": 2, "maximum": 1_000_000_000, "default": 100_000,
            "title": "Records this institution expects to keep",
            "description": "Sizes the blind index of the words of records' names (searching "
                           "an encrypted name by whole words) as the e-mail's",
        },
        "rotate_after_encryptions": {
            "type": "integer", "minimum": 1024, "maximum": 2**31, "default": 2**30,
            "title": "Encryptions under one data key before it is rotated",
            "description": "NIST SP 800-38D allows 2^32 encryptions with random nonces per "
                           "key; the daily check rotates at this count, long before",
        },
    },
    "additionalProperties": False,
}
