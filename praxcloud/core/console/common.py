"""Small helpers every console view uses: redirects, the session cookie, the menu, forms."""

from __future__ import annotations

import datetime as dt
from urllib.parse import unquote, urlsplit

from pyramid.httpexceptions import HTTPException, HTTPNotFound, HTTPSeeOther

from ..errors import ApiError
from ..forms import FORM_INVALID, sentence  # noqa: F401 - re-exported
from ..permissions import AUDIT_READ, RECORDS_READ, SETTINGS_MANAGE, USERS_MANAGE
from ..security import CONSOLE_COOKIE
from ..settings import settings_of
from ..text_rules import has_control_chars  # noqa: F401 - re-exported

# (title, route, permission) in menu order; plugins add theirs via praxcloud_menu_links.
CORE_MENU = (
    ("Records", "console.records", RECORDS_READ),
    ("Users", "console.users", USERS_MANAGE),
    ("Groups", "console.groups", USERS_MANAGE),
    ("Audit", "console.audit", AUDIT_READ),
    ("Settings", "console.settings", SETTINGS_MANAGE),
    ("Plugins", "console.plugins", SETTINGS_MANAGE),
)

# Messages for a visitor who has no session to carry a flash across a redirect
# (after logout or a password reset). Only these fixed texts can be shown, so
# a crafted link cannot put words on the login page.
NOTICES = {
    "logged_out": ("success", "You have logged out."),
    "password_reset": ("success", "Your password has been changed. You can log in with it now."),
    "invitation_accepted": ("success", "Your password is set. Welcome: you can log in with it "
                                       "now."),
    "session_ended": ("info", "Your session has ended. Please log in again."),
    "mfa_expired": ("error", "That login attempt has ended: it took too long or had too many "
                            "wrong codes. Please start again."),
}


def redirect(request, route: str, **kw) -> HTTPSeeOther:
    kw.setdefault("tenant", request.tenant.slug)
    return HTTPSeeOther(request.route_url(route, **kw))


def redirect_with_notice(request, route: str, notice: str, **kw) -> HTTPSeeOther:
    if notice not in NOTICES:
        raise ValueError(f"unknown console notice {notice!r}")
    kw.setdefault("tenant", request.tenant.slug)
    return HTTPSeeOther(request.route_url(route, _query={"notice": notice}, **kw))


def show_notice(request) -> None:
    """Flash the fixed message named by ``?notice=`` (see NOTICES) on this page."""
    notice = NOTICES.get(request.GET.get("notice", ""))
    if notice is not None:
        kind, message = notice
        request.flash(message, kind)


def set_session_cookie(request, response, token: str) -> None:
    response.set_cookie(
        CONSOLE_COOKIE, token, path=f"/{request.tenant.slug}", httponly=True,
        secure=settings_of(request).secure_cookies,
        samesite="Lax",
    )


def clear_session_cookie(request, response) -> None:
    response.delete_cookie(CONSOLE_COOKIE, path=f"/{request.tenant.slug}")


def safe_next(request, value: str | None) -> str | None:
    """``value`` if it is a path inside this tenant's console, else None (no open redirect).

    Only a relative path under ``/{tenant}/`` passes: no scheme, no host, no
    ``//`` or backslash tricks, no dot segments that would climb out of the
    tenant.
    """
    if not value or not isinstance(value, str) or len(value) > 2000:
        return None
    if any(char in value for char in "\\\r\n\t\0") or value.startswith("//"):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    base = f"{request.script_name}/{request.tenant.slug}"
    if parts.path != base and not parts.path.startswith(base + "/"):
        return None
    if any(unquote(segment) in (".", "..") for segment in parts.path.split("/")):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def redirect_to_path(request, path: str) -> HTTPSeeOther:
    """Redirect to a path already checked by :func:`safe_next`."""
    return HTTPSeeOther(request.host_url + path)


def form_text(post, key: str) -> str:
    """A submitted text field; a file upload or a missing field reads as empty."""
    value = post.get(key, "")
    return value if isinstance(value, str) else ""


def object_id(request, key: str = "id") -> int:
    """The integer id in the URL; anything else is a page that does not exist."""
    raw = request.matchdict.get(key, "")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise HTTPNotFound()
    return int(raw)


def when(value: dt.datetime | dt.date | None) -> str:
    """A timestamp as staff read it: ``2024-05-01 14:03 UTC`` (dates as ``2024-05-01``)."""
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def method_title(name: str) -> str:
    """A second-factor method name as a label: ``"recovery_code"`` -> ``"Recovery code"``."""
    return name.replace("_", " ").replace("-", " ").capitalize()


def console_tenant(request):
    """The tenant, or None where there is none to show (error pages of unknown tenants)."""
    try:
        return request.tenant
    except (HTTPException, ApiError):
        return None


def console_identity(request):
    """The logged-in tenant user, or None; never raises (used by every page's header)."""
    if console_tenant(request) is None:
        return None
    try:
        identity = request.praxcloud_identity
    except (HTTPException, ApiError):
        return None
    if identity is None or identity.is_operator or identity.kind != "console":
        return None
    return identity


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
            if link.get("permission") and link["permission"] not in identity.permissions:
                continue
            url = link.get("url") or request.route_url(link["route"], tenant=request.tenant.slug)
            entries.append({"title": link["title"], "url": url, "route": link.get("route")})
    return entries


def add_template_filters(config) -> None:
    def register() -> None:
        env = config.get_jinja2_environment(".jinja2")
        env.filters["when"] = when
        env.filters["method_title"] = method_title

    # After pyramid_jinja2 has built its environment (its documented late order).
    config.action(None, register, order=999)


def includeme(config) -> None:
    add_template_filters(config)
    config.add_request_method(menu, "console_menu", reify=True)
    config.add_request_method(console_tenant, "console_tenant", reify=True)
    config.add_request_method(console_identity, "console_identity", reify=True)
