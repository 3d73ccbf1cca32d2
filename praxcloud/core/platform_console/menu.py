"""The platform console's menu: the core's pages, then the plugins'.

Every installed plugin is asked (``praxcloud_platform_menu_links``), whatever
tenants enable it; each answer is taken on its own, so a plugin that raises
or answers nonsense loses its links (logged by name) and the operators keep
their console.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

# (title, route, section) in menu order; a page marks its entry with ``section``.
CORE_MENU = (
    ("Tenants", "platform.tenants", "tenants"),
    ("Plugins", "platform.plugins", "plugins"),
    ("Audit", "platform.audit", "audit"),
)
# Last, after the plugins' pages: the operator's own account.
ACCOUNT_MENU = (("Security", "platform.security", "security"),)


def _entry(request, title: str, route: str, section: str) -> dict:
    return {"title": title, "url": request.route_url(route), "section": section}


def plugin_links(request) -> list[dict]:
    """The plugins' entries: ``section`` is the link's route name (or its URL)."""
    entries = []
    host = request.registry.plugin_host
    for impl in reversed(host.hook.praxcloud_platform_menu_links.get_hookimpls()):
        try:
            answer = impl.function(request=request) or ()
            for link in answer:
                url = link.get("url") or request.route_url(link["route"])
                entries.append({"title": str(link["title"]), "url": url,
                                "section": link.get("route") or url})
        except Exception:
            log.exception("plugin %s: praxcloud_platform_menu_links failed; its links are left "
                          "out of the platform console", impl.plugin_name)
    return entries


def platform_menu(request) -> list[dict]:
    """The entries an operator sees: ``title``, ``url``, ``section``; none for anyone else."""
    identity = request.praxcloud_identity
    if identity is None or not identity.is_operator:
        return []
    return ([_entry(request, *item) for item in CORE_MENU] + plugin_links(request)
            + [_entry(request, *item) for item in ACCOUNT_MENU])


def includeme(config) -> None:
    config.add_request_method(platform_menu, "platform_menu", reify=True)
