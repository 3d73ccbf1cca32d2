"""Small helpers every console view uses: redirects, the session cookie, the menu."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther

from ..permissions import AUDIT_READ, RECORDS_READ, SETTINGS_MANAGE, USERS_MANAGE
from ..security import CONSOLE_COOKIE

# (title, route, permission) in menu order; plugins add theirs via praxcloud_menu_links.
CORE_MENU = (
    ("Records", "console.records", RECORDS_READ),
    ("Users", "console.users", USERS_MANAGE),
    ("Groups", "console.groups", USERS_MANAGE),
    ("Audit", "console.audit", AUDIT_READ),
    ("Settings", "console.settings", SETTINGS_MANAGE),
    ("Plugins", "console.plugins", SETTINGS_MANAGE),
)


def redirect(request, route: str, **kw) -> HTTPSeeOther:
    kw.setdefault("tenant", request.tenant.slug)
    return HTTPSeeOther(request.route_url(route, **kw))


def set_session_cookie(request, response, token: str) -> None:
    response.set_cookie(
        CONSOLE_COOKIE, token, path=f"/{request.tenant.slug}", httponly=True,
        secure=request.registry.settings.get("praxcloud.secure_cookies_bool", False),
        samesite="Lax",
    )


def clear_session_cookie(request, response) -> None:
    response.delete_cookie(CONSOLE_COOKIE, path=f"/{request.tenant.slug}")


def menu(request) -> list[dict]:
    """Menu entries the logged-in user may open: the core's and the tenant's plugins'."""
    identity = request.praxcloud_identity
    if identity is None or identity.is_operator:
        return []
    entries = [
        {"title": title, "url": request.route_url(route, tenant=request.tenant.slug),
         "route": route}
        for title, route, permission in CORE_MENU
        if permission in identity.permissions
    ]
    for answer in request.tenant_hooks.praxcloud_menu_links(request=request):
        for link in answer or ():
            url = link.get("url") or request.route_url(link["route"], tenant=request.tenant.slug)
            entries.append({"title": link["title"], "url": url, "route": link.get("route")})
    return entries


def includeme(config) -> None:
    config.add_request_method(menu, "console_menu", reify=True)
