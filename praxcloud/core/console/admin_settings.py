"""The tenant's core settings, edited by its administrators.

They live in ``Tenant.settings`` in the platform database and are read by
:meth:`authsessions.SessionPolicy.from_tenant_settings` (the two session
lifetimes), :func:`accounts.reset_lifetime` (reset links),
:func:`invitations.invitation_days` (welcome invitations), ``tweens.cors``
(the API's allowed origins) and the MFA plugins (``mfa_required_groups``).
``request.tenant`` is loaded by the request's own platform session, so a new
settings dict assigned to it is committed with the request.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from pyramid.view import view_config
from sqlalchemy import select

from ..accounts import DEFAULT_RESET_MINUTES
from ..authsessions import DEFAULT_IDLE_MINUTES, DEFAULT_LIFETIME_HOURS
from ..config import setting_list
from ..invitations import DEFAULT_INVITATION_DAYS, MAX_INVITATION_DAYS, MIN_INVITATION_DAYS
from ..models import Group
from ..permissions import SETTINGS_MANAGE
from ..security_epoch import reevaluate_sessions
from .admin_forms import bounded_int, invalid, lines
from .common import redirect


@dataclass(frozen=True)
class NumberSetting:
    key: str
    label: str
    unit: str
    low: int
    high: int
    default: int
    hint: str


NUMBER_SETTINGS = (
    NumberSetting("idle_timeout_minutes", "Idle timeout", "minutes", 5, 1440,
                  DEFAULT_IDLE_MINUTES,
                  "A session unused this long ends: the user must log in again."),
    NumberSetting("session_lifetime_hours", "Session lifetime", "hours", 1, 720,
                  DEFAULT_LIFETIME_HOURS,
                  "However active, a session ends this long after login."),
    NumberSetting("reset_link_minutes", "Password reset links valid for", "minutes", 5, 1440,
                  DEFAULT_RESET_MINUTES,
                  "How long a forgot-password link can be used (once)."),
    NumberSetting("invitation_days", "Welcome invitations valid for", "days",
                  MIN_INVITATION_DAYS, MAX_INVITATION_DAYS, DEFAULT_INVITATION_DAYS,
                  "How long a new user's link to choose their first password can be used "
                  "(once); an administrator can send a new one."),
)
MAX_ORIGINS = 50
# One DNS name: labels of letters, digits and '-', not starting or ending with '-'.
LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
HOSTNAME_RE = re.compile(rf"^(?=.{{1,253}}$){LABEL}(\.{LABEL})*$")
DEFAULT_PORTS = {"http": 80, "https": 443}


class InvalidOrigin(ValueError):
    pass


def normalise_origin(text: str) -> str:
    """``scheme://host[:port]`` exactly as a browser sends it in ``Origin``, or InvalidOrigin."""
    if text in ("*", "null"):
        raise InvalidOrigin(f"{text}: list each allowed origin; wildcards are not allowed")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.netloc:
        raise InvalidOrigin(f"{text}: write it as https://host or https://host:port")
    # A browser's Origin has no path; a lone trailing slash is a common slip, so forgive it.
    if parts.path not in ("", "/") or parts.query or parts.fragment or text.endswith(("?", "#")):
        raise InvalidOrigin(f"{text}: an origin has no path, query or fragment")
    if parts.username is not None or parts.password is not None:
        raise InvalidOrigin(f"{text}: an origin has no user name or password")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise InvalidOrigin(f"{text}: the port is not a number from 1 to 65535")
    host = (parts.hostname or "").lower()
    if not _valid_host(host, parts.netloc):
        raise InvalidOrigin(f"{text}: {host or 'the host'} is not a valid host name")
    shown = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        shown += f":{port}"
    return f"{scheme}://{shown}"


def _valid_host(host: str, netloc: str) -> bool:
    if not host:
        return False
    if "[" in netloc:
        try:
            return ipaddress.ip_address(host).version == 6
        except ValueError:
            return False
    return bool(HOSTNAME_RE.match(host))


def current_values(tenant) -> dict:
    settings = tenant.settings or {}
    values = {item.key: settings.get(item.key, item.default) for item in NUMBER_SETTINGS}
    values["cors_origins"] = setting_list(settings, "cors_origins")
    values["mfa_required_groups"] = list(settings.get("mfa_required_groups") or [])
    return values


def _group_names(request) -> list[str]:
    return list(request.tenant_db.scalars(select(Group.name).order_by(Group.name)))


def _page(request, form: dict, errors: dict) -> dict:
    return {"form": form, "errors": errors, "numbers": NUMBER_SETTINGS,
            "group_names": _group_names(request)}


@view_config(route_name="console.settings", request_method="GET", permission=SETTINGS_MANAGE,
             renderer="console/admin_settings.jinja2")
def settings_form(request):
    values = current_values(request.tenant)
    form = {**{key: str(value) for key, value in values.items() if not isinstance(value, list)},
            "cors_origins": "\n".join(values["cors_origins"]),
            "mfa_required_groups": values["mfa_required_groups"]}
    return _page(request, form, {})


def parse_settings(request, post) -> tuple[dict, dict, dict]:
    """(form as typed, validated values, errors) for a submitted settings form."""
    form = {item.key: post.get(item.key, "").strip() for item in NUMBER_SETTINGS}
    form["cors_origins"] = post.get("cors_origins", "")
    form["mfa_required_groups"] = post.getall("mfa_required_groups")
    errors: dict[str, str] = {}
    values: dict = {}
    for item in NUMBER_SETTINGS:
        value, message = bounded_int(form[item.key], item.low, item.high)
        if message:
            errors[item.key] = message
        else:
            values[item.key] = value
    origins, problems = [], []
    entries = lines(form["cors_origins"])
    for entry in entries:
        try:
            origin = normalise_origin(entry)
        except InvalidOrigin as exc:
            problems.append(str(exc))
            continue
        if origin not in origins:
            origins.append(origin)
    if len(entries) > MAX_ORIGINS:
        problems.append(f"List at most {MAX_ORIGINS} origins.")
    if problems:
        errors["cors_origins"] = " ".join(problems)
    else:
        values["cors_origins"] = origins
    known = set(_group_names(request))
    unknown = sorted(set(form["mfa_required_groups"]) - known)
    if unknown:
        errors["mfa_required_groups"] = "No such group: " + ", ".join(unknown) + "."
    else:
        values["mfa_required_groups"] = sorted(set(form["mfa_required_groups"]))
    return form, values, errors


@view_config(route_name="console.settings", request_method="POST", permission=SETTINGS_MANAGE,
             renderer="console/admin_settings.jinja2", recent_auth=True)
def save_settings(request):
    form, values, errors = parse_settings(request, request.POST)
    if errors:
        return invalid(request, _page(request, form, errors))
    before = current_values(request.tenant)
    changed = sorted(key for key, value in values.items() if before.get(key) != value)
    if not changed:
        request.flash("Nothing changed.", "info")
        return redirect(request, "console.settings")
    # Changed in the request's platform session: request.tenant is the process's
    # cached copy. A new dict, so SQLAlchemy sees the JSON column change.
    tenant = request.registry.tenancy.editable(request.dbsession, request.tenant)
    tenant.settings = {**(tenant.settings or {}), **{key: values[key] for key in changed}}
    # Open sessions meet the new settings at their next request (MFA required now, ...).
    reevaluate_sessions(request)
    request.audit.record("tenant.settings", details={"changed": changed})
    request.flash("Settings saved: " + ", ".join(changed) + ".", "success")
    return redirect(request, "console.settings")
