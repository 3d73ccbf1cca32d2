"""Registered globally, active per tenant: hooks reach only the plugins a tenant enables."""

from __future__ import annotations

import types

from praxcloud.core import local_auth
from praxcloud.core.hookspecs import hookimpl
from praxcloud.core.plugins import PluginHost
from tests.plugin_host.conftest import entry_points

X = [{"title": "X", "url": "/x"}]
Y = [{"title": "Y", "url": "/y"}]


def host_with_x_and_y() -> PluginHost:
    host = PluginHost()
    host.register_builtin(local_auth, local_auth.NAME)
    host.load_entry_points(entry_points("menu_x", "menu_y"))
    return host


def links(host: PluginHost, *enabled: str) -> list:
    return host.for_tenant(frozenset(enabled)).praxcloud_menu_links(request=None)


def test_a_hook_reaches_only_the_enabled_plugins():
    host = host_with_x_and_y()
    assert links(host, "menu_x") == [X]
    assert links(host, "menu_y") == [Y]
    assert sorted(links(host, "menu_x", "menu_y"), key=str) == [X, Y]
    assert links(host) == []
    # A contract naming a plugin that is not installed adds nothing to the call.
    assert links(host, "menu_x", "not_installed") == [X]


def test_callers_are_cached_per_enabled_set():
    host = host_with_x_and_y()
    first = host.for_tenant(frozenset({"menu_x"}))
    assert host.for_tenant(frozenset({"menu_x"})) is first
    assert first.praxcloud_menu_links is first.praxcloud_menu_links
    assert host.for_tenant(frozenset({"menu_y"})) is not first
    # Tenants with equal sets share one set of callers, whatever set object they pass.
    assert host.for_tenant(frozenset(["menu_x"])) is first


def test_plugins_registered_without_entry_point_are_left_out_too():
    host = host_with_x_and_y()
    class extra:  # noqa: N801 - a plugin object, named like a module
        praxcloud_menu_links = staticmethod(
            hookimpl(lambda request: [{"title": "Extra", "url": "/e"}]))

    assert host.register_plugin(extra, "extra")
    assert links(host, "menu_x") == [X]
    assert links(host, "extra") == [[{"title": "Extra", "url": "/e"}]]


def test_registering_or_breaking_a_plugin_refreshes_cached_callers():
    host = host_with_x_and_y()
    before = host.for_tenant(frozenset({"menu_x", "late"}))
    assert before.praxcloud_menu_links(request=None) == [X]
    class late:  # noqa: N801
        praxcloud_menu_links = staticmethod(
            hookimpl(lambda request: [{"title": "Late", "url": "/l"}]))

    host.register_plugin(late, "late")
    after = host.for_tenant(frozenset({"menu_x", "late"}))
    assert after is not before
    assert sorted(after.praxcloud_menu_links(request=None), key=str) == sorted(
        [X, [{"title": "Late", "url": "/l"}]], key=str)
    host.mark_broken("late", "taken out of service")
    assert links(host, "menu_x", "late") == [X]
    assert host.broken_among({"menu_x", "late"}) == ["late"]


def test_firstresult_hooks_stop_at_the_enabled_plugin_that_answers():
    host = host_with_x_and_y()

    class Veto:
        @staticmethod
        @hookimpl
        def praxcloud_check_request(request):
            return "vetoed"

    host.register_plugin(Veto, "veto")
    assert host.for_tenant(frozenset({"veto"})).praxcloud_check_request(request=None) == "vetoed"
    assert host.for_tenant(frozenset({"menu_x"})).praxcloud_check_request(request=None) is None


def test_an_unhashable_plugin_object_is_refused():
    # pluggy's subset callers keep plugins in a set: an unhashable one would
    # fail on every call for every tenant.
    host = host_with_x_and_y()
    unhashable = types.SimpleNamespace(
        praxcloud_menu_links=hookimpl(lambda request: [{"title": "U", "url": "/u"}]))
    assert host.register_plugin(unhashable, "unhashable") is False
    assert "unhashable" in host.broken["unhashable"]
    assert links(host, "menu_x") == [X]
