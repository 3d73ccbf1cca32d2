"""The plugin's name and per-tenant settings."""

from __future__ import annotations

NAME = "waf"

SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "threshold": {
            "type": "integer", "minimum": 1, "maximum": 100, "default": 5,
            "title": "Score that blocks a request",
            "description": "Each rule a request matches adds its weight (5, or 3 for a rule "
                           "that also matches some prose); at this score or more it is "
                           "refused",
        },
        "strikes": {
            "type": "integer", "minimum": 1, "maximum": 1000, "default": 3,
            "title": "Blocked requests before an address is blacklisted",
        },
        "strike_window_seconds": {
            "type": "integer", "minimum": 10, "maximum": 86400, "default": 600,
        },
        "blacklist_hours": {
            "type": "number", "minimum": 0.01, "maximum": 8760, "default": 24,
            "title": "How long a blacklisted address stays refused (hours)",
        },
        "incident_retention_days": {
            "type": "integer", "minimum": 1, "maximum": 3650, "default": 90,
            "title": "How long blocked requests are kept (days)",
            "description": "Incidents older than this are deleted by a daily task",
        },
        "allow_rules": {
            "type": "array", "maxItems": 100, "default": [],
            "items": {"type": "string", "pattern": "^[STXC][0-9]{1,2}(-[a-z0-9-]+)?$",
                      "x-pattern-message": "a rule name such as S10 or X3-tag"},
            "title": "Rules never applied (false positives)",
        },
        "allow_paths": {
            "type": "array", "maxItems": 100, "default": [],
            "items": {"type": "string", "pattern": "^/\\S{0,200}$",
                      "x-pattern-message": "a path starting with /, such as /acme/records"},
            "title": "Paths never inspected (their beginning)",
        },
    },
    "additionalProperties": False,
}


def tenant_settings(request) -> dict:
    return request.registry.plugin_host.tenant_settings(request.tenant, NAME)
