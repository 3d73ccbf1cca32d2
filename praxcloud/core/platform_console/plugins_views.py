"""Plugins: a tenant's contract (enable, disable, configure) and the installed plugins.

Every change goes through :mod:`praxcloud.core.contracts`, the service the
CLI uses too, with the operator's e-mail as the actor; it validates the
settings, migrates the tenant's database for the plugin and writes both
audit trails. Secret settings are shown masked and never sent back.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config
from sqlalchemy import select

from .. import contracts, field_moves
from ..errors import ApiError
from ..models import Tenant, TenantPlugin
from ..plugins import PluginError, PluginHost
from ..provisioning import TenantNotFound
from ..security import OPERATOR_PERMISSION
from ..settings_form import (
    FormStyle,
    changes_from_text,
    fields_for,
    parse_lines,
    refill,
    without_secrets,
)
from .support import (
    FORM_INVALID,
    form_text,
    operator_email,
    redirect,
    sentence,
    sentences,
    tenant_or_404,
)

DISABLED_TEXT = "switched off on this platform by the praxcloud.disabled_plugins setting"


def error_summary(text: str) -> str:
    """The telling part of a load error: the exception after a traceback, else the whole reason."""
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    # A traceback's frames are indented; what follows the last frame is the exception.
    last_frame = max((i for i, line in enumerate(lines) if line[:1].isspace()), default=-1)
    return "\n".join(lines[last_frame + 1:]) or "\n".join(lines)


def shown_value(value) -> str:
    """A setting as the operator would type it: JSON for anything that is not text."""
    return value if isinstance(value, str) else json.dumps(value)


def _contract_line(host: PluginHost, row: TenantPlugin, posted=None, error=None) -> dict:
    info = host.infos.get(row.plugin)
    settings = dict(row.settings or {})
    line = {
        "name": row.plugin, "info": info, "enabled_at": row.enabled_at,
        "broken": None, "settings": settings, "fields": [], "error": error,
    }
    if info is None:
        if row.plugin in host.broken:
            line["broken"] = error_summary(host.broken[row.plugin])
        elif row.plugin in host.disabled:
            line["broken"] = DISABLED_TEXT
        else:
            line["broken"] = "this plugin is not installed on this platform"
        # Without the schema nothing is known to be secret: show the keys only.
        line["settings"] = {key: "(unknown: plugin unavailable)" for key in settings}
        return line
    line["settings"] = {key: shown_value(value)
                        for key, value in info.public_settings(settings).items()}
    line["fields"] = fields_for(info, settings, FormStyle.TEXT)
    if posted is not None:
        refill(line["fields"], posted)
    return line


def _contract_page(request, slug: str, enable_form=None, enable_error=None,
                   configure_error=None) -> dict:
    """``configure_error`` is (plugin name, ShownError): shown by that plugin's form."""
    tenant = tenant_or_404(request, slug)
    host: PluginHost = request.registry.plugin_host
    lines = []
    for row in sorted(tenant.plugins, key=lambda p: p.plugin):
        failed = configure_error is not None and configure_error[0] == row.plugin
        lines.append(_contract_line(host, row, request.POST if failed else None,
                                    configure_error[1] if failed else None))
    enabled = tenant.enabled_plugins
    # An error about a plugin the contract does not hold has no line to sit by.
    page_error = configure_error[1] if configure_error and configure_error[0] not in enabled \
        else None
    available = [info for name, info in sorted(host.infos.items()) if name not in enabled]
    return {
        "tenant": tenant,
        "lines": lines,
        "available": [{"info": info, "fields": fields_for(info, style=FormStyle.TEXT)}
                      for info in available],
        "broken": _unavailable(host, enabled),
        "enable_form": enable_form or {"plugin": "", "settings": ""},
        "enable_error": enable_error,
        "page_error": page_error,
        "section": "tenants",
    }


def _unavailable(host: PluginHost, leave_out=frozenset()) -> list[dict]:
    """Installed plugins that cannot be enabled: broken ones and those switched off by settings."""
    items = [{"name": name, "error": error, "summary": error_summary(error)}
             for name, error in host.broken.items() if name not in leave_out]
    items += [{"name": name, "error": "", "summary": DISABLED_TEXT}
              for name in host.disabled if name not in leave_out and name not in host.broken]
    return sorted(items, key=lambda item: item["name"])


def _plugin_name(request) -> str:
    name, error = form_text(request, "plugin", 80)
    return "" if error else name


@dataclass
class ShownError:
    """A refused contract change as the page shows it: a sentence and per-setting messages."""

    message: str
    fields: dict[str, str]


def _failed(request, exc: Exception) -> ShownError:
    """Set the status for a refused change and give its error in one shape for the page.

    Invalid settings are a form to correct (422); a tenant the service cannot
    reach now (suspended, refused for a broken plugin) is a conflict (409).
    """
    if isinstance(exc, PluginError):
        request.response.status = FORM_INVALID
        return ShownError(sentence(str(exc)), sentences(exc.fields))
    request.response.status = 409
    # A suspended tenant, or one refused for a broken plugin: the service cannot reach it.
    return ShownError(sentence(exc.message if isinstance(exc, ApiError) else str(exc)), {})


@view_config(route_name="platform.tenant_plugins", request_method="GET",
             permission=OPERATOR_PERMISSION, renderer="platform/tenant_plugins.jinja2")
def tenant_plugins(request):
    return _contract_page(request, request.matchdict["slug"])


@view_config(route_name="platform.tenant_plugins", request_method="POST",
             request_param="action=enable", permission=OPERATOR_PERMISSION,
             renderer="platform/tenant_plugins.jinja2", recent_auth=True)
def plugin_enable(request):
    slug = request.matchdict["slug"]
    name = _plugin_name(request)
    text = request.POST.get("settings", "")
    text = text if isinstance(text, str) else ""
    try:
        if not name:
            raise PluginError("choose a plugin to enable", {"plugin": "required"})
        settings = parse_lines(request.registry.plugin_host, name, text)
        # A codec plugin's stored values are moved by a Celery job, not in this request.
        contracts.enable(request.registry, slug, name, settings, actor=operator_email(request),
                         background=True)
    except TenantNotFound:
        raise HTTPNotFound() from None
    except (PluginError, ApiError) as exc:
        shown = without_secrets(request.registry.plugin_host, name, text)
        return _contract_page(request, slug, {"plugin": name, "settings": shown},
                              enable_error=_failed(request, exc))
    request.flash(f"Plugin {name} enabled for {slug}.", "success")
    return redirect(request, "platform.tenant_plugins", slug=slug)


@view_config(route_name="platform.tenant_plugins", request_method="POST",
             request_param="action=disable", permission=OPERATOR_PERMISSION,
             renderer="platform/tenant_plugins.jinja2", recent_auth=True)
def plugin_disable(request):
    slug = request.matchdict["slug"]
    name = _plugin_name(request)
    try:
        contracts.disable(request.registry, slug, name, actor=operator_email(request),
                          background=True)
    except TenantNotFound:
        raise HTTPNotFound() from None
    except (PluginError, ApiError) as exc:
        return _contract_page(request, slug, configure_error=(name, _failed(request, exc)))
    if field_moves.has_codecs(request.registry.plugin_host, name):
        request.flash(f"Plugin {name} is being disabled for {slug}: the stored values are "
                      "decrypted in the background, then it leaves the contract.", "success")
    else:
        request.flash(f"Plugin {name} disabled for {slug}.", "success")
    return redirect(request, "platform.tenant_plugins", slug=slug)


@view_config(route_name="platform.tenant_plugins", request_method="POST",
             request_param="action=configure", permission=OPERATOR_PERMISSION,
             renderer="platform/tenant_plugins.jinja2", recent_auth=True)
def plugin_configure(request):
    slug = request.matchdict["slug"]
    name = _plugin_name(request)
    host: PluginHost = request.registry.plugin_host
    try:
        changes = changes_from_text(host, name, request.POST)
        contracts.configure(request.registry, slug, name, changes,
                            actor=operator_email(request), background=True)
    except TenantNotFound:
        raise HTTPNotFound() from None
    except (PluginError, ApiError) as exc:
        return _contract_page(request, slug, configure_error=(name, _failed(request, exc)))
    request.flash(f"Settings of {name} saved for {slug}.", "success")
    return redirect(request, "platform.tenant_plugins", slug=slug)


@view_config(route_name="platform.plugins", request_method="GET",
             permission=OPERATOR_PERMISSION, renderer="platform/plugins.jinja2")
def installed_plugins(request):
    host: PluginHost = request.registry.plugin_host
    users: dict[str, list[str]] = defaultdict(list)
    rows = request.dbsession.execute(
        select(TenantPlugin.plugin, Tenant.slug).join(Tenant).order_by(Tenant.slug))
    for plugin, slug in rows:
        users[plugin].append(slug)
    known = set(host.infos) | set(host.broken) | set(host.disabled)
    return {
        "plugins": [{"info": info, "tenants": users.get(name, [])}
                    for name, info in sorted(host.infos.items())],
        "broken": [{**item, "tenants": users.get(item["name"], [])}
                   for item in _unavailable(host)],
        "missing": sorted((name, slugs) for name, slugs in users.items() if name not in known),
        "builtin": sorted(host.builtin_names),
        "section": "plugins",
    }
