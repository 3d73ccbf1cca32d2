"""The plugin's name and its per-tenant settings (JSON Schema, with defaults)."""

from __future__ import annotations

NAME = "mfa_webauthn"

SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "passwordless": {
            "type": "boolean", "default": False,
            "description": "Let users sign in with a passkey alone (no password)",
        },
        "rp_id": {
            "type": "string", "default": "", "maxLength": 253,
            "pattern": "^$|^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$",
            "description": "Relying party ID (the site's domain, e.g. praxcloud.example); "
                           "empty: the host of the platform's address (praxcloud.base_url)",
        },
        "origins": {
            "type": "array", "default": [], "maxItems": 20,
            "items": {"type": "string", "pattern": "^https?://[^/\\s]+$", "maxLength": 300},
            "description": "Origins the browser may use, e.g. https://praxcloud.example; "
                           "empty: https://<rp_id>",
        },
        "rp_name": {
            "type": "string", "default": "", "maxLength": 80,
            "description": "Name shown by the authenticator; empty: the tenant's name",
        },
    },
    "additionalProperties": False,
}


def plugin_settings(request) -> dict:
    return request.registry.plugin_host.tenant_settings(request.tenant, NAME)


def passwordless_allowed(request) -> bool:
    return bool(plugin_settings(request).get("passwordless"))
