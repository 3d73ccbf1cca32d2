"""Synthetic plugins for the benchmarks: request-path hooks that do nearly nothing.

They stand in for a platform with many plugins installed: each implements
the hooks a request may reach (request checks, authentication, audit sinks,
menu links, ...) and adds a gated route, so that a benchmark shows what
installed-but-not-enabled plugins cost a tenant that uses none of them.
Loaded through ``importlib.metadata.EntryPoint`` objects, like any plugin.
"""

from __future__ import annotations

import importlib.metadata

from praxcloud.core.hookspecs import hookimpl
from praxcloud.core.plugins import ENTRY_POINT_GROUP

COUNT = 6


def _view(request):
    return {"synthetic": True}


class SyntheticPlugin:
    """Every request-path hook, each answering ``None`` (or nothing) at once."""

    @staticmethod
    @hookimpl
    def praxcloud_plugin_info():
        return {"description": "synthetic benchmark plugin", "settings_schema": {
            "type": "object", "properties": {"level": {"type": "integer", "default": 1}},
            "additionalProperties": False}}

    @classmethod
    @hookimpl
    def praxcloud_includeme(cls, config):
        name = cls.__name__.lower()
        config.add_route(f"{name}.api", f"/api/v1/{{tenant}}/{name}")
        config.add_view(_view, route_name=f"{name}.api", renderer="json", plugin=name)

    @staticmethod
    @hookimpl
    def praxcloud_check_request(request):
        return None

    @staticmethod
    @hookimpl
    def praxcloud_pre_authenticate(request, login):
        return None

    @staticmethod
    @hookimpl
    def praxcloud_authenticate(request, login, password):
        return None

    @staticmethod
    @hookimpl
    def praxcloud_authentication_failed(request, login, reason):
        return None

    @staticmethod
    @hookimpl
    def praxcloud_second_factors(request, user):
        return []

    @staticmethod
    @hookimpl
    def praxcloud_authenticated(request, user):
        return []

    @staticmethod
    @hookimpl
    def praxcloud_permission_denied(request, user, permission, context):
        return None

    @staticmethod
    @hookimpl
    def praxcloud_audit_event(request, event):
        return None

    @staticmethod
    @hookimpl
    def praxcloud_menu_links(request):
        return []

    @staticmethod
    @hookimpl
    def praxcloud_console_panels(request):
        return []


# One class per plugin: pluggy keeps plugins apart by object.
PLUGINS = {f"synthetic{n}": type(f"Synthetic{n}", (SyntheticPlugin,), {})
           for n in range(1, COUNT + 1)}
globals().update({cls.__name__: cls for cls in PLUGINS.values()})


def entry_points() -> list[importlib.metadata.EntryPoint]:
    return [importlib.metadata.EntryPoint(name=name, value=f"{__name__}:{cls.__name__}",
                                          group=ENTRY_POINT_GROUP)
            for name, cls in PLUGINS.items()]
