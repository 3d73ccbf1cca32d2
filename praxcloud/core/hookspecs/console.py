"""Console hooks: the dashboard's panels and the menus of the tenant and operator consoles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..hook_types import ConsolePanel, MenuLink
from .markers import hookspec

if TYPE_CHECKING:  # only for the annotations: hookspecs import nothing else of the core
    from pyramid.request import Request


@hookspec
def praxcloud_console_panels(request: Request) -> list[ConsolePanel]:
    """Return console panels for the dashboard.

    Each panel is a dict with ``title`` and either ``template`` (a renderer
    name) or ``html`` (markup the plugin has escaped itself).
    """


@hookspec
def praxcloud_menu_links(request: Request) -> list[MenuLink]:
    """Return console menu links: dicts with ``title`` and ``route`` (or ``url``), and
    optionally ``permission``: the link is shown only to users who have it."""


@hookspec
def praxcloud_platform_menu_links(request: Request) -> list[MenuLink]:
    """Return links for the platform operators' console (``/platform/``): dicts with
    ``title`` and ``route`` (a route without ``{tenant}``) or ``url``.

    Called on every installed plugin whatever tenants enable it, on each page an
    operator opens; ``request`` is the operator's and has no tenant. A plugin
    that raises here loses its links, not the console. Guard the pages with
    ``OPERATOR_PERMISSION`` (operators never hold tenant permissions, tenant
    users never hold this one) and read tenants' data through
    ``operator_tenant_requests``. ``permission`` is not used: every operator
    sees every link.
    """
