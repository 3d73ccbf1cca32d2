"""The plugin's name, its per-tenant settings (the retention policy) and the policy's version."""

from __future__ import annotations

import hashlib
import json

NAME = "anonymiser"

# The record fields a policy anonymises, and the strategies each accepts:
# ``null`` clears the field (an empty text for a field that may not be NULL,
# an empty object for the free fields), ``replace`` writes the fixed
# replacement text, ``mask`` keeps the first character and the separators
# and turns every other letter and digit into ``*``, ``year`` keeps only the
# year of a date (1 January of it). None of them can be undone.
STRATEGIES: dict[str, tuple[str, ...]] = {
    "name": ("replace", "mask"),
    "email": ("null", "replace", "mask"),
    "phone": ("null", "replace", "mask"),
    "date_of_birth": ("null", "year"),
    "notes": ("null", "replace", "mask"),
    "fields": ("null",),
}
DEFAULT_STRATEGIES = {"name": "replace", "email": "null", "phone": "null",
                      "date_of_birth": "year", "notes": "null", "fields": "null"}


def strategy_key(field: str) -> str:
    return f"{field}_strategy"


SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "retention_days": {
            "type": "integer", "minimum": 1, "maximum": 36500, "default": 730,
            "title": "Anonymise records without activity for this many days",
            "description": "A record whose last activity is older is anonymised by the daily "
                           "run, field by field as the strategies below say",
        },
        **{strategy_key(field): {
            "type": "string", "enum": list(choices), "default": DEFAULT_STRATEGIES[field],
            "title": f"Strategy for {field.replace('_', ' ')}",
        } for field, choices in STRATEGIES.items()},
        "user_inactive_days": {
            "type": "integer", "minimum": 0, "maximum": 36500, "default": 0,
            "title": "Anonymise user accounts not used for this many days (0: never)",
            "description": "An account without a login for this long (or never used since it "
                           "was created) loses its e-mail address, name and password and is "
                           "deactivated; accounts that may manage users or settings are kept",
        },
        "replacement": {
            "type": "string", "minLength": 1, "maxLength": 100, "default": "Anonymised",
            "title": "Replacement text (the replace strategy)",
        },
    },
    "additionalProperties": False,
}


def tenant_settings(request) -> dict:
    return request.registry.plugin_host.tenant_settings(request.tenant, NAME)


def strategies(settings: dict) -> dict[str, str]:
    return {field: settings[strategy_key(field)] for field in STRATEGIES}


def policy_version(settings: dict) -> str:
    """A short digest of the policy: a dry run is seen for one version of it."""
    policy = {key: settings[key] for key in sorted(SETTINGS_SCHEMA["properties"])}
    return hashlib.sha256(json.dumps(policy, sort_keys=True).encode()).hexdigest()[:12]
