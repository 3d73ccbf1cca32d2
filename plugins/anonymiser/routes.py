"""The plugin's routes: the administrators' pages and their API."""

from __future__ import annotations

from praxcloud.plugin import add_plugin_routes

CONSOLE_ROUTES = (("anonymiser.policy", "/{tenant}/anonymiser"),
                  ("anonymiser.dry_run", "/{tenant}/anonymiser/dry-run"),
                  ("anonymiser.run", "/{tenant}/anonymiser/run"),
                  ("anonymiser.erase", "/{tenant}/anonymiser/erase"),
                  ("anonymiser.receipt", "/{tenant}/anonymiser/receipts/{id}"))
API_ROUTES = {
    "anonymiser.api.erase_record": ("/api/v1/{tenant}/records/{id}/erase", ("POST",)),
    "anonymiser.api.erase": ("/api/v1/{tenant}/anonymiser/erase", ("POST",)),
    "anonymiser.api.runs": ("/api/v1/{tenant}/anonymiser/runs", ("GET",)),
    "anonymiser.api.dry_run": ("/api/v1/{tenant}/anonymiser/dry-run", ("POST",)),
}


def add_routes(config) -> None:
    add_plugin_routes(config, CONSOLE_ROUTES, API_ROUTES)
