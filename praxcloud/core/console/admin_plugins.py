"""The plugins a tenant's contract enables, and their settings, for its administrators.

Administrators configure; they never enable or disable a plugin: that is
the contract, kept by the platform operators. Each plugin's form is built
from its settings schema (see :mod:`praxcloud.core.settings_form`) and saved through
:func:`praxcloud.core.contracts.configure`, which validates the whole result
against the schema before it stores anything.
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config

from .. import contracts
from ..permissions import SETTINGS_MANAGE
from ..plugins import PluginError
from ..settings_form import changes_from_widgets, fields_for, refill
from .admin_forms import invalid
from .common import redirect


def _entries(request, posted: str | None = None, post=None, errors=None) -> list[dict]:
    """Each enabled plugin with its form; ``posted`` is the one just submitted, if any."""
    host = request.registry.plugin_host
    entries = []
    for row in sorted(request.tenant.plugins, key=lambda p: p.plugin):
        # Every enabled plugin is installed here: request.tenant refuses a tenant
        # whose contract names a missing or broken plugin.
        info = host.infos[row.plugin]
        fields = fields_for(info, row.settings or {})
        if row.plugin == posted:
            fields = refill(fields, post)
        entries.append({"name": row.plugin, "info": info, "fields": fields,
                        "errors": (errors or {}) if row.plugin == posted else {}})
    return entries


@view_config(route_name="console.plugins", request_method="GET", permission=SETTINGS_MANAGE,
             renderer="console/admin_plugins.jinja2")
def list_plugins(request):
    return {"plugins": _entries(request)}


@view_config(route_name="console.plugin", request_method="GET", permission=SETTINGS_MANAGE)
def plugin_anchor(request):
    name = request.matchdict["name"]
    if name not in request.tenant.enabled_plugins:
        raise HTTPNotFound()
    return redirect(request, "console.plugins", _anchor=f"plugin-{name}")


def _settings_refused(request, exc: PluginError) -> dict:
    """``contracts.configure`` refused the settings: the form again, each message at its field."""
    name = request.matchdict["name"]
    errors = _field_errors(request.registry.plugin_host.infos[name], exc)
    return invalid(request, {"plugins": _entries(request, name, request.POST, errors)})


@view_config(route_name="console.plugin", request_method="POST", permission=SETTINGS_MANAGE,
             renderer="console/admin_plugins.jinja2", recent_auth=True,
             form_error=_settings_refused)
def configure_plugin(request):
    name = request.matchdict["name"]
    host = request.registry.plugin_host
    if name not in request.tenant.enabled_plugins or name not in host.infos:
        raise HTTPNotFound()
    info = host.infos[name]
    changes, errors = changes_from_widgets(info, request.POST)
    if errors:
        return invalid(request, {"plugins": _entries(request, name, request.POST, errors)})
    # background: a codec plugin's stored values are moved by a Celery job.
    contracts.configure(request.registry, request.tenant.slug, name, changes,
                        actor=request.praxcloud_identity.user.email,
                        background=True)  # PluginError: refused above
    request.flash(f"Settings of {name} saved.", "success")
    return redirect(request, "console.plugins", _anchor=f"plugin-{name}")


def _field_errors(info, exc: PluginError) -> dict[str, str]:
    """The schema's messages under their fields; the rest at the top of the form."""
    properties = info.settings_schema.get("properties", {})
    errors: dict[str, str] = {}
    for path, message in (exc.fields or {}).items():
        key = str(path).split(".", 1)[0]
        if key in properties and key not in info.secret_fields:
            errors.setdefault(key, message)
        elif key in properties:
            # A schema message may quote the rejected value: never echo a secret.
            errors.setdefault(key, "This value is not accepted.")
        else:
            errors.setdefault("form", f"{exc}: {path}: {message}")
    if not errors:
        errors["form"] = str(exc)
    return errors
