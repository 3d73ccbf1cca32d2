"""Plugins' parts of the OpenAPI document: merged when well-formed, refused when they clash."""

from __future__ import annotations

from openapi_spec_validator import validate

from praxcloud.core.api.document import build_document, json_response, operation
from praxcloud.core.api.operations import openapi_document
from praxcloud.core.hookspecs import hookimpl
from praxcloud.core.plugins import PluginHost
from tests.api.conftest import served_api_methods


def part_plugin(name: str, paths: dict, schemas: dict | None = None):
    class Part:
        @staticmethod
        @hookimpl
        def praxcloud_plugin_info():
            return {"name": name, "version": "0.1", "description": name,
                    "settings_schema": {"type": "object", "properties": {}}}

        @staticmethod
        @hookimpl
        def praxcloud_openapi():
            return {"paths": paths, "schemas": schemas or {}}

    return Part


def ping(op_id: str) -> dict:
    return {"get": operation("Ping", {"200": json_response("Pong")}, op_id=op_id)}


PONG = {"Pong": {"type": "object", "properties": {"ok": {"type": "boolean"}}}}


def test_a_plugins_part_is_merged_with_the_common_answers():
    host = PluginHost()
    assert host.register_plugin(part_plugin("pinger", {"/api/v1/{tenant}/ping": ping("ping")},
                                            PONG), "pinger")
    document = build_document(host)
    validate(document)
    get = document["paths"]["/api/v1/{tenant}/ping"]["get"]
    assert {"200", "401", "404", "422", "503"} <= set(get["responses"])
    assert get["parameters"][0]["name"] == "tenant" and get["security"] == [{"bearer": []}]
    assert document["components"]["schemas"]["Pong"] == PONG["Pong"]
    # The core's document itself is left as it was.
    assert "/api/v1/{tenant}/ping" not in openapi_document()["paths"]


def test_parts_that_clash_or_leave_the_api_mark_their_plugin_broken():
    host = PluginHost()
    cases = {
        "first": ({"/api/v1/{tenant}/ping": ping("ping")}, PONG),
        "same_path": ({"/api/v1/{tenant}/ping": ping("ping2")}, {}),
        "same_schema": ({"/api/v1/{tenant}/pong": ping("pong")}, PONG),
        "same_op_id": ({"/api/v1/{tenant}/pang": ping("ping")}, {}),
        "core_schema": ({}, {"Error": {"type": "object"}}),
        "outside": ({"/elsewhere": ping("elsewhere")}, {}),
        "bad_method": ({"/api/v1/{tenant}/odd": {"trace": {}}}, {}),
    }
    for name, (paths, schemas) in cases.items():
        assert host.register_plugin(part_plugin(name, paths, schemas), name)
    document = build_document(host)
    assert set(host.broken) == set(cases) - {"first"}
    assert "/api/v1/{tenant}/ping" in document["paths"]
    assert "/api/v1/{tenant}/pong" not in document["paths"]
    assert "/elsewhere" not in document["paths"]


def test_every_installed_plugins_api_route_is_documented(registry):
    """What the app serves under /api/ from plugins is in the served document, method by method."""
    document = registry.openapi_document
    validate(document)
    served = {(pattern, method)
              for pattern, methods in served_api_methods(registry).items()
              if pattern not in openapi_document()["paths"] for method in methods}
    documented = {(template, method) for template, item in document["paths"].items()
                  for method in item if template not in openapi_document()["paths"]}
    assert served, "no plugin API routes: the installed plugins were not loaded"
    assert served == documented
