"""The generated plugin, imported in this process, loads in the plugin host unbroken.

A fast check of what the end-to-end test proves with a real install: the
module imports, every hook matches its spec, the plugin info and settings
schema pass the host's checks, and its OpenAPI part merges into the
served document without a clash.
"""

from __future__ import annotations

import importlib.metadata
import sys

import pytest

from praxcloud.core import local_auth
from praxcloud.core.api.document import build_document
from praxcloud.core.plugins import ENTRY_POINT_GROUP, PluginHost

from .conftest import NAME, PACKAGE


@pytest.fixture
def importable(generated, monkeypatch):
    monkeypatch.syspath_prepend(str(generated))
    yield generated
    # Another test generates the package again: forget this copy.
    for module in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[module]


def test_the_generated_plugin_loads_with_its_hooks_and_openapi_part(importable):
    host = PluginHost()
    host.register_builtin(local_auth, local_auth.NAME)
    host.load_entry_points([importlib.metadata.EntryPoint(
        name=NAME, value=PACKAGE, group=ENTRY_POINT_GROUP)])
    assert host.broken == {}
    assert host.infos[NAME].hooks == [
        "praxcloud_includeme", "praxcloud_menu_links", "praxcloud_openapi",
        "praxcloud_periodic_tasks", "praxcloud_plugin_info"]
    assert host.infos[NAME].settings_schema["properties"].keys() == {"title", "retention_days"}

    document = build_document(host)
    assert host.broken == {}
    operations = document["paths"]["/api/v1/{tenant}/visit-log"]
    assert operations["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/VisitLogEntryRequest"}
    assert {"VisitLogEntry", "VisitLogEntries", "VisitLogEntryRequest"} <= set(
        document["components"]["schemas"])
