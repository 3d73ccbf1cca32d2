"""slowdown: failed logins make the next attempt wait longer (requirement P4).

Registered in setup.cfg as ``slowdown = plugins.slowdown``. Before any
password is checked (``praxcloud_pre_authenticate``) an attempt must pass
three limits kept in the shared state (:mod:`.gates`); a refused one is
answered at once, 429 with Retry-After, the same words whatever the limit.
A failed password closes the gates for longer (2 s, 4 s, 16 s, ... up to 15
minutes for one address, 30 s for the account from anywhere); a right one
opens them. While the plugin is on, the core's own login limit stands
aside for the tenant (``praxcloud_replaces_login_limits``). When the shared
store cannot answer, logins are refused with 503 unless the operator set
``praxcloud.plugin.slowdown.fail_open = true``. README.md has the rest.
"""

from __future__ import annotations

import logging
import math

from praxcloud.plugin import (
    USERS_MANAGE,
    LoginRefused,
    MenuLink,
    OpenApiPart,
    PluginDescription,
    SharedStateError,
    hookimpl,
    plugin_ini_settings,
)

from . import gates, unlock
from .config import FAIL_OPEN_KEY, NAME, SETTINGS_SCHEMA, tenant_settings
from .openapi import openapi_part
from .routes import add_routes

log = logging.getLogger(__name__)

UNAVAILABLE_RETRY_AFTER = 60


@hookimpl
def praxcloud_plugin_info() -> PluginDescription:
    return {
        "name": NAME,
        "description": "Failed logins make the next attempt wait longer (2 s, 4 s, 16 s, ... "
                       "up to 15 minutes), per account and address, across every web process",
        "settings_schema": SETTINGS_SCHEMA,
    }


@hookimpl
def praxcloud_includeme(config):
    add_routes(config)
    config.scan(".console_views")
    config.scan(".api_views")


@hookimpl
def praxcloud_openapi() -> OpenApiPart:
    return openapi_part()


@hookimpl
def praxcloud_replaces_login_limits(request) -> bool:
    return True


def _fails_open(request) -> bool:
    value = plugin_ini_settings(request.registry, NAME).get(FAIL_OPEN_KEY, "")
    return value.strip().lower() in ("true", "yes", "on", "1")


@hookimpl
def praxcloud_pre_authenticate(request, login) -> LoginRefused | None:
    try:
        wait = gates.admit(request, login)
    except SharedStateError:
        if _fails_open(request):
            log.error("slowdown: the shared state cannot answer; the login of tenant %s goes "
                      "on UNLIMITED because praxcloud.plugin.slowdown.fail_open is set",
                      request.tenant.slug, exc_info=True)
            return None
        log.error("slowdown: the shared state cannot answer; logins to tenant %s are refused "
                  "(fail closed)", request.tenant.slug, exc_info=True)
        return LoginRefused("logins are unavailable for a moment", UNAVAILABLE_RETRY_AFTER, 503,
                            "login_unavailable")
    if not wait:
        return None
    # One answer for every limit: which one refused is no business of the client's.
    return LoginRefused("too many login attempts", max(1, math.ceil(wait)), 429,
                        "too_many_attempts")


@hookimpl
def praxcloud_authentication_failed(request, login, reason) -> None:
    if reason != "invalid_credentials":
        return  # refused attempts were never tried; second factors have limits of their own
    try:
        failures = gates.failed(request)
        if failures is not None and failures == tenant_settings(request)["notify_after_failures"]:
            unlock.mail_link(request, login, failures)
    except SharedStateError:
        log.error("slowdown: a failed login to tenant %s could not be counted (the shared "
                  "state cannot answer)", request.tenant.slug, exc_info=True)


@hookimpl
def praxcloud_authentication_succeeded(request, login, user) -> None:
    try:
        gates.succeeded(request)
    except SharedStateError:
        log.error("slowdown: a successful login to tenant %s could not reset its waits",
                  request.tenant.slug, exc_info=True)


@hookimpl
def praxcloud_menu_links(request) -> list[MenuLink]:
    return [{"title": "Slowed logins", "route": "slowdown.admin", "permission": USERS_MANAGE}]
