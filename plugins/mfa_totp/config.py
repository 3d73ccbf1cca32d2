"""The plugin's name, method name and per-tenant settings (their schema and defaults)."""

from __future__ import annotations

NAME = "mfa_totp"
# The method name the login flow uses (``{"method": "totp", "code": ...}``).
METHOD = "totp"

SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "max_failures_per_hour": {
            "type": "integer", "minimum": 1, "maximum": 1000, "default": 10,
            "description": "Wrong codes (authenticator or recovery) a user may send in an hour, "
                           "over all login attempts; then codes are refused until the hour ends",
        },
        "clock_skew_detection_minutes": {
            "type": "integer", "minimum": 0, "maximum": 1440, "default": 120,
            "description": "How far off a device's clock may be and still be recognised, so the "
                           "user is told to fix it (such a code is never accepted); 0 turns it off",
        },
    },
    "additionalProperties": False,
}


def tenant_settings(request) -> dict:
    """This tenant's settings, defaults filled in."""
    return request.registry.plugin_host.tenant_settings(request.tenant, NAME)
