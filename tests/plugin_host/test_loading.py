"""Guarded loading: a plugin that fails is reported by name, and the others still load."""

from __future__ import annotations

import importlib.metadata
import types

import pytest

from praxcloud.core import build_plugin_host, local_auth
from praxcloud.core.config import apply_environment
from praxcloud.core.hookspecs import hookimpl
from praxcloud.core.plugins import PluginError, PluginHost
from tests.plugin_host.conftest import entry_point, entry_points


def load(*eps: importlib.metadata.EntryPoint, disabled=()) -> PluginHost:
    host = PluginHost()
    host.register_builtin(local_auth, local_auth.NAME)
    host.load_entry_points(list(eps), disabled=disabled)
    return host


def registered(host: PluginHost, hook: str) -> list[str]:
    return [impl.plugin_name for impl in getattr(host.pm.hook, hook).get_hookimpls()]


def test_plugin_raising_at_import_is_broken_by_name_and_others_load():
    host = load(*entry_points("menu_x", "raises_at_import", "menu_y"))
    assert sorted(host.infos) == ["menu_x", "menu_y"]
    assert list(host.broken) == ["raises_at_import"]
    assert "praxcloud_missing_dependency is not installed" in host.broken["raises_at_import"]
    assert host.pm.get_plugin("raises_at_import") is None
    assert registered(host, "praxcloud_menu_links") == ["menu_x", "menu_y"]


def test_misspelt_hookimpl_is_caught_by_check_pending_and_unregistered():
    host = load(*entry_points("menu_x", "misspelt_hook"))
    assert "praxcloud_autenticate" in host.broken["misspelt_hook"]
    assert "misspelt_hook" not in host.infos
    assert host.pm.get_plugin("misspelt_hook") is None
    # Its correctly spelt hook does not linger either, even for a tenant enabling it.
    hooks = host.for_tenant(frozenset({"misspelt_hook", "menu_x"}))
    assert hooks.praxcloud_menu_links(request=None) == [[{"title": "X", "url": "/x"}]]


def test_hookimpl_with_unknown_argument_is_broken_and_leaves_nothing_registered():
    host = load(*entry_points("wrong_signature", "menu_y"))
    assert "user" in host.broken["wrong_signature"]
    assert "wrong_signature" not in registered(host, "praxcloud_audit_event")
    assert registered(host, "praxcloud_menu_links") == ["menu_y"]


@pytest.mark.parametrize(("name", "why"), [
    ("bad_schema", "integr"),
    ("bad_default", "does not match its schema"),
    ("wrong_name", "somebody_else"),
])
def test_plugin_with_invalid_description_is_broken(name, why):
    host = load(*entry_points(name, "menu_x"))
    assert why in host.broken[name]
    assert name not in host.infos and host.pm.get_plugin(name) is None
    assert "menu_x" in host.infos
    with pytest.raises(PluginError, match="broken"):
        host.info(name)


def test_duplicate_names_refuse_the_name_altogether():
    host = load(entry_point("menu_x"), entry_point("menu_x", "menu_y"), entry_point("gated"))
    assert "more than once" in host.broken["menu_x"]
    assert "tests.plugin_host.fixtures.menu_y" in host.broken["menu_x"]
    assert "menu_x" not in host.infos and host.pm.get_plugin("menu_x") is None
    assert "gated" in host.infos


def test_the_same_module_seen_twice_is_one_plugin():
    # A distribution found on two sys.path entries lists its entry point twice.
    host = load(entry_point("menu_x"), entry_point("menu_x"))
    assert host.broken == {} and "menu_x" in host.infos


def test_registering_a_taken_name_breaks_it():
    host = load(entry_point("menu_x"))
    impostor = types.SimpleNamespace()
    assert host.register_plugin(impostor, "menu_x") is False
    assert "menu_x" in host.broken and "menu_x" not in host.infos
    assert host.pm.get_plugin("menu_x") is None


def test_names_that_cannot_be_stored_or_routed_are_refused():
    host = load(entry_point("Menu X", "menu_x"), entry_point("menu_y"))
    assert "not allowed" in host.broken["Menu X"]
    assert list(host.infos) == ["menu_y"]


def test_info_describes_the_plugin():
    host = load(entry_point("menu_x"))
    info = host.info("menu_x")
    # No installed distribution behind a bare entry point: plugin_info fills in.
    assert (info.version, info.distribution) == ("0.0.1", "")
    assert info.description == "Menu link X"
    assert info.hooks == ["praxcloud_menu_links", "praxcloud_plugin_info"]
    assert info.secret_fields == {"api_key"}
    with pytest.raises(PluginError, match="no plugin named 'nope'"):
        host.info("nope")


def test_local_auth_is_a_trylast_builtin_that_every_tenant_runs():
    class Backend:
        @staticmethod
        @hookimpl
        def praxcloud_authenticate(request, login, password):
            return None

    host = load()
    assert host.register_plugin(Backend, "backend")
    impls = host.for_tenant(frozenset({"backend"})).praxcloud_authenticate.get_hookimpls()
    # get_hookimpls() lists in reverse call order: the first one listed is called last.
    assert [impl.plugin_name for impl in impls] == ["core.local_auth", "backend"]
    assert impls[0].trylast
    alone = host.for_tenant(frozenset()).praxcloud_authenticate.get_hookimpls()
    assert [impl.plugin_name for impl in alone] == ["core.local_auth"]


def test_disabled_plugins_setting_skips_entry_points_unloaded(monkeypatch):
    from praxcloud.core import plugins

    monkeypatch.setattr(plugins, "discover_entry_points", lambda: [
        entry_point("flaky", "raises_at_import"), entry_point("menu_x"), entry_point("menu_y")])
    host = build_plugin_host({"praxcloud.disabled_plugins": "flaky, menu_y"})
    # Not imported at all: the module that raises at import is not even reported broken.
    assert host.broken == {}
    assert host.disabled == {"flaky", "menu_y"}
    assert list(host.infos) == ["menu_x"]
    assert host.broken_among({"menu_x", "menu_y"}) == ["menu_y"]
    with pytest.raises(PluginError, match="disabled"):
        host.info("menu_y")


def test_disabled_plugins_from_the_environment(monkeypatch):
    from praxcloud.core import plugins

    monkeypatch.setattr(plugins, "discover_entry_points",
                        lambda: entry_points("menu_x", "menu_y"))
    monkeypatch.setenv("PRAXCLOUD_DISABLED_PLUGINS", "menu_x")
    host = build_plugin_host(apply_environment({}))
    assert host.disabled == {"menu_x"} and list(host.infos) == ["menu_y"]


def test_load_plugins_false_loads_only_the_builtins(monkeypatch):
    from praxcloud.core import plugins

    monkeypatch.setattr(plugins, "discover_entry_points", lambda: entry_points("menu_x"))
    host = build_plugin_host({"praxcloud.load_plugins": "false"})
    assert host.infos == {} and host.builtin_names == {"core.local_auth", "core.mfa_policy"}


def described(name: str, **info) -> types.ModuleType:
    """A plugin module whose plugin info is ``{"name": name, **info}``."""
    module = types.ModuleType(name)

    @hookimpl
    def praxcloud_plugin_info():
        return {"name": name, **info}
    module.praxcloud_plugin_info = praxcloud_plugin_info
    return module


def test_data_origin_keys_name_only_the_plugins_own_purposes():
    host = load()
    keeper = described("keeper", data_origin_keys=["keeper/secrets", "keeper.handles", "keeper"])
    assert host.register_plugin(keeper, "keeper") is True
    assert host.info("keeper").data_origin_keys == ("keeper", "keeper.handles", "keeper/secrets")
    # Another plugin's key (the backup repository's password) would reach a restored copy.
    for name, purposes, why in (("grabber", ["backup/restic"], "not a purpose of plugin"),
                                ("lookalike", ["lookalikes/x"], "not a purpose of plugin"),
                                ("vague", "vague", "must be a list")):
        assert host.register_plugin(described(name, data_origin_keys=purposes), name) is False
        assert why in host.broken[name] and name not in host.infos
