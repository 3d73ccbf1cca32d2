"""The plugin's name and per-tenant settings."""

from __future__ import annotations

NAME = "lockdown"

SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "escalation_threshold": {
            "type": "integer", "minimum": 1, "maximum": 100, "default": 1,
            "title": "Clear escalation attempts before the lock",
            "description": "Changes (not reads) refused for an administrator's permission: "
                           "editing users, groups, settings or others' sessions",
        },
        "soft_threshold": {
            "type": "integer", "minimum": 1, "maximum": 10000, "default": 20,
            "title": "Other refusals before the lock",
            "description": "Pages and reads the user simply lacks the permission for, per "
                           "window",
        },
        "soft_window_seconds": {
            "type": "integer", "minimum": 60, "maximum": 604800, "default": 3600,
        },
    },
    "additionalProperties": False,
}


def tenant_settings(request) -> dict:
    return request.registry.plugin_host.tenant_settings(request.tenant, NAME)
