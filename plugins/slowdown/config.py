"""The plugin's name, per-tenant settings and the operator's ini settings.

The default schedule is i-Reserve's: after the 1st, 2nd and 3rd failed
login in a row the next attempt waits 2, 4 and 16 seconds; after that each
wait is ``growth_factor`` times the one before, up to ``max_delay_seconds``.
The wait for the account as a whole (from every address) stops at the much
lower ``account_max_delay_seconds``, so that someone guessing from outside
slows the owner down but cannot lock them out.
"""

from __future__ import annotations

NAME = "slowdown"

SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "delays_seconds": {
            "type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 86400},
            "minItems": 1, "maxItems": 20, "default": [2, 4, 16],
            "title": "Waits after the first failures (seconds)",
            "description": "The wait after the 1st, 2nd, 3rd ... failed login in a row, one "
                           "per line",
        },
        "growth_factor": {
            "type": "number", "minimum": 1, "maximum": 100, "default": 4,
            "description": "Beyond the list, each wait is the one before times this",
        },
        "max_delay_seconds": {
            "type": "integer", "minimum": 1, "maximum": 86400, "default": 900,
            "title": "Longest wait for one address (seconds)",
            "description": "The cap for an account tried from one address (15 minutes)",
        },
        "account_max_delay_seconds": {
            "type": "integer", "minimum": 1, "maximum": 3600, "default": 30,
            "title": "Longest wait for the account as a whole (seconds)",
            "description": "The cap over all addresses; kept low so that guessing from "
                           "elsewhere cannot lock the owner out",
        },
        "address_budget": {
            "type": "integer", "minimum": 1, "maximum": 100000, "default": 50,
            "title": "Attempts per address per window, over all accounts",
            "description": "Against password spraying: one address trying many accounts",
        },
        "address_window_seconds": {
            "type": "integer", "minimum": 60, "maximum": 86400, "default": 3600,
        },
        "notify_after_failures": {
            "type": "integer", "minimum": 1, "maximum": 1000, "default": 10,
            "title": "Mail the owner an unlock link after this many failures in a row",
        },
        "forget_after_seconds": {
            "type": "integer", "minimum": 60, "maximum": 2592000, "default": 86400,
            "description": "Failures are forgotten after this long without an attempt",
        },
    },
    "additionalProperties": False,
}

# The operator's ini key praxcloud.plugin.slowdown.fail_open: "true" lets logins
# through (logged loudly) when the shared store cannot answer; the default refuses.
FAIL_OPEN_KEY = "fail_open"
UNLOCK_LINK_MINUTES = 60
TRUST_HOURS = 24


def tenant_settings(request) -> dict:
    """This tenant's settings, defaults filled in."""
    return request.registry.plugin_host.tenant_settings(request.tenant, NAME)


def schedule(settings: dict, cap: int) -> list[int]:
    """Every wait in order, the last one repeated for ever: ``[2, 4, 16, 64, 256, 900]``."""
    waits = [min(delay, cap) for delay in settings["delays_seconds"]]
    while waits[-1] < cap:
        waits.append(min(cap, max(waits[-1] + 1, int(waits[-1] * settings["growth_factor"]))))
        if len(waits) > 64:
            break
    return waits
