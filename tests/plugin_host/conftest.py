"""Fixtures of the plugin-host tests: fake entry points, and apps built on them.

A test chooses the entry points the app discovers by parametrizing
``plugin_entry_points`` (a list of ``importlib.metadata.EntryPoint``); left
at ``None`` the app discovers the installed ones, as in production.
"""

from __future__ import annotations

import importlib.metadata

import pytest
import webtest

from praxcloud import main
from praxcloud.core import plugins

FIXTURES = "tests.plugin_host.fixtures"


def entry_point(name: str, module: str | None = None) -> importlib.metadata.EntryPoint:
    """An entry point ``name = tests.plugin_host.fixtures.<module>`` (module defaults to name)."""
    return importlib.metadata.EntryPoint(
        name=name, value=f"{FIXTURES}.{module or name}", group=plugins.ENTRY_POINT_GROUP)


def entry_points(*names: str) -> list[importlib.metadata.EntryPoint]:
    return [entry_point(name) for name in names]


@pytest.fixture
def plugin_entry_points():
    """``None``: discover the installed entry points. Parametrize to fake them."""
    return None


@pytest.fixture(autouse=True)
def _discover_fake_entry_points(plugin_entry_points, monkeypatch):
    # Autouse, so it is in place before the shared ``app`` fixture builds the app.
    if plugin_entry_points is not None:
        monkeypatch.setattr(plugins, "discover_entry_points", lambda: list(plugin_entry_points))


@pytest.fixture
def rebuild_app(settings, app, monkeypatch):
    """Another app process on the same databases, discovering other entry points.

    Models a restart after a plugin was upgraded, removed or switched off.
    """
    built = []

    def build(eps: list[importlib.metadata.EntryPoint], **extra_settings) -> webtest.TestApp:
        monkeypatch.setattr(plugins, "discover_entry_points", lambda: list(eps))
        wsgi = main({}, **{**settings, **extra_settings})
        built.append(wsgi)
        return webtest.TestApp(wsgi, extra_environ={"HTTP_HOST": "localhost",
                                                    "REMOTE_ADDR": "127.0.0.1"})

    yield build
    for wsgi in built:
        wsgi.registry.tenancy.dispose()


@pytest.fixture
def beta(make_tenant, make_user):
    """A second tenant, 'beta', with one staff member."""
    found = make_tenant("beta", "Beta School")
    make_user("beta", "staff@beta.test", groups=("staff",))
    return found
