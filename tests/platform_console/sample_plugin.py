"""A plugin for the platform console's tests, loaded through a real entry point object.

Its schema has one property of each kind the settings form knows: a secret,
an integer, an enum, a boolean and free text.
"""

from praxcloud.core.hookspecs import hookimpl

NAME = "pxtest_notes"
SECRET_MARKER = "s3cret-api-key-value"


@hookimpl
def praxcloud_plugin_info():
    return {
        "name": NAME,
        "version": "1.2.3",
        "description": "Test plugin: a notes policy.",
        "settings_schema": {
            "type": "object",
            "additionalProperties": False,
            "required": ["api_key"],
            "properties": {
                "api_key": {"type": "string", "writeOnly": True, "minLength": 8,
                            "description": "Key of the notes service."},
                "max_notes": {"type": "integer", "minimum": 1, "default": 10},
                "mode": {"type": "string", "enum": ["strict", "lenient"], "default": "strict"},
                "notify": {"type": "boolean", "default": False},
                "label": {"type": "string", "default": "Notes", "maxLength": 20},
            },
        },
    }


@hookimpl
def praxcloud_tenant_enabled(tenant, settings, tenant_db):
    """Nothing to provision; being called is what the test needs."""
