"""The plugin's routes: the administrators' page and its API, and the operators' page."""

from __future__ import annotations

from praxcloud.plugin import add_plugin_routes

CONSOLE_ROUTES = (("backup.admin", "/{tenant}/backup"),
                  ("backup.run_now", "/{tenant}/backup/run"))
API_ROUTES = {"backup.api.backups": ("/api/v1/{tenant}/backup/backups", ("GET", "POST"))}
# In the platform operators' console: every enabling tenant's status.
PLATFORM_ROUTES = (("backup.platform", "/platform/backup"),
                   ("backup.platform_refresh", "/platform/backup/refresh"))


def add_routes(config) -> None:
    add_plugin_routes(config, CONSOLE_ROUTES, API_ROUTES, PLATFORM_ROUTES)
