"""The plugin's name and per-tenant settings: the networks allowed, console and API apart."""

from __future__ import annotations

NAME = "ipwhitelist"

# Shape only; networks.parse checks each entry for real (and says which is wrong).
NETWORK = {"type": "string", "minLength": 2, "maxLength": 49,
           "pattern": "^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$",
           "x-pattern-message": "use an IPv4 or IPv6 address or network, like 192.0.2.0/24 "
                                "or 2001:db8::/48"}

SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "console_networks": {
            "type": "array", "items": NETWORK, "maxItems": 200, "default": [],
            "title": "Networks allowed on the console",
            "description": "Addresses and networks (CIDR) from which the tenant's console may "
                           "be used; empty: from anywhere",
        },
        "api_networks": {
            "type": "array", "items": NETWORK, "maxItems": 200, "default": [],
            "title": "Networks allowed on the API",
            "description": "Addresses and networks (CIDR) from which the tenant's API may be "
                           "called; empty: from anywhere",
        },
    },
    "additionalProperties": False,
}


def tenant_settings(request) -> dict:
    return request.registry.plugin_host.tenant_settings(request.tenant, NAME)
