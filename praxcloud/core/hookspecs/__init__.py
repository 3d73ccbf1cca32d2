"""The plugin contract.

Every hook PraxCloud calls is declared here; each docstring is the hook's
documentation (docs/hooks.md is generated from this module and a test fails
when they drift apart). Hooks marked *first result* stop at the first
implementation that returns something other than ``None``.

Hooks that take a ``request`` are called only on the plugins enabled for the
request's tenant (but ``praxcloud_platform_menu_links``, asked of every
installed plugin on the operators' pages, which have no tenant). Hooks
without a tenant (``praxcloud_plugin_info``,
``praxcloud_includeme``, ``praxcloud_openapi``, ``praxcloud_periodic_tasks``,
``praxcloud_cli``) are
called on every installed plugin, once, at start-up.
"""

# One module per family of hooks; this package is still the one place the
# plugin manager registers them from (``pm.add_hookspecs(hookspecs)``) and
# the one source of docs/hooks.md, which lists them family by family in the
# order of FAMILIES.

from __future__ import annotations

from . import console, contract, data, guards, login, passwords, second_factors, startup
from .console import (
    praxcloud_console_panels,
    praxcloud_menu_links,
    praxcloud_platform_menu_links,
)
from .contract import (
    praxcloud_plugin_settings_changed,
    praxcloud_tenant_disabled,
    praxcloud_tenant_enabled,
)
from .data import (
    praxcloud_audit_event,
    praxcloud_erase_person,
    praxcloud_field_codec,
)
from .guards import (
    praxcloud_check_request,
    praxcloud_escalation_attempt,
    praxcloud_permission_denied,
)
from .login import (
    praxcloud_authenticate,
    praxcloud_authenticated,
    praxcloud_authentication_failed,
    praxcloud_authentication_succeeded,
    praxcloud_login_methods,
    praxcloud_pre_authenticate,
    praxcloud_replaces_login_limits,
)
from .markers import PROJECT, hookimpl, hookspec
from .passwords import (
    praxcloud_password_changed,
    praxcloud_password_rules,
    praxcloud_validate_password,
)
from .second_factors import (
    praxcloud_reset_second_factors,
    praxcloud_second_factor_options,
    praxcloud_second_factor_prompt,
    praxcloud_second_factors,
    praxcloud_verify_second_factor,
)
from .startup import (
    praxcloud_cli,
    praxcloud_includeme,
    praxcloud_openapi,
    praxcloud_periodic_tasks,
    praxcloud_plugin_info,
)

# The families, in the order docs/hooks.md lists them: from start-up, through
# a tenant's contract and each request, to the data a tenant keeps.
FAMILIES = (startup, contract, guards, login, second_factors, passwords, console, data)

__all__ = [
    "FAMILIES", "PROJECT", "hookimpl", "hookspec",
    # the hooks, family by family
    "praxcloud_plugin_info",
    "praxcloud_openapi",
    "praxcloud_includeme",
    "praxcloud_periodic_tasks",
    "praxcloud_cli",
    "praxcloud_tenant_enabled",
    "praxcloud_tenant_disabled",
    "praxcloud_plugin_settings_changed",
    "praxcloud_check_request",
    "praxcloud_permission_denied",
    "praxcloud_escalation_attempt",
    "praxcloud_pre_authenticate",
    "praxcloud_replaces_login_limits",
    "praxcloud_authenticate",
    "praxcloud_authentication_failed",
    "praxcloud_authentication_succeeded",
    "praxcloud_login_methods",
    "praxcloud_authenticated",
    "praxcloud_second_factors",
    "praxcloud_verify_second_factor",
    "praxcloud_second_factor_prompt",
    "praxcloud_second_factor_options",
    "praxcloud_reset_second_factors",
    "praxcloud_validate_password",
    "praxcloud_password_rules",
    "praxcloud_password_changed",
    "praxcloud_console_panels",
    "praxcloud_menu_links",
    "praxcloud_platform_menu_links",
    "praxcloud_field_codec",
    "praxcloud_audit_event",
    "praxcloud_erase_person",
]
