"""The OpenAPI document as served: the core's operations and every installed plugin's.

Plugins describe their JSON endpoints with ``praxcloud_openapi`` and build
operations with the helpers here, so that theirs look like the core's (the
tenant parameter, bearer security, the common error answers). The document
is assembled once at start-up; a plugin whose part is malformed or clashes
with another's is marked broken (its tenants are refused) rather than
published half-documented.
"""

from __future__ import annotations

import copy
import logging

from .operations import COMMON_ERRORS, ID, SECURED, TENANT, openapi_document

log = logging.getLogger(__name__)

PLUGIN_PATH_PREFIX = "/api/v1/{tenant}/"
METHODS = frozenset({"get", "post", "put", "patch", "delete"})

# The parameter of an ``{id}`` segment, as the core's own paths use it.
ID_PARAM = ID


def ref(schema_name: str) -> dict:
    return {"$ref": f"#/components/schemas/{schema_name}"}


def json_response(schema_name: str, description: str = "OK") -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": ref(schema_name)}}}


def error_response(description: str) -> dict:
    """An answer with the core's error body ``{"error": {"code", "message", "fields"}}``."""
    return {"description": description,
            "content": {"application/json": {"schema": ref("Error")}}}


def no_content(description: str) -> dict:
    return {"description": description}


def operation(summary: str, responses: dict, *, op_id: str, body: str | None = None,
              secured: bool = True, params: tuple | list = ()) -> dict:
    """One operation under ``/api/v1/{tenant}/``; the common error answers are added."""
    result = {
        "summary": summary, "operationId": op_id,
        "parameters": [TENANT, *params],
        "responses": {**responses, **{k: v for k, v in COMMON_ERRORS.items()
                                      if k not in responses}},
        "security": SECURED if secured else [],
    }
    if body:
        result["requestBody"] = {"required": True,
                                 "content": {"application/json": {"schema": ref(body)}}}
    return result


class PluginDocumentError(ValueError):
    pass


def build_document(plugin_host) -> dict:
    """The core's document with each installed plugin's part merged in."""
    document = copy.deepcopy(openapi_document())
    # Registration order: the plugin loaded first keeps a contested name.
    for impl in plugin_host.pm.hook.praxcloud_openapi.get_hookimpls():
        name = impl.plugin_name
        try:
            part = impl.function()
            merged = _merged(document, part or {}, name)
        except Exception as exc:
            log.exception("plugin %s describes its API wrongly; tenants that enable it "
                          "are refused", name)
            plugin_host.mark_broken(name, f"praxcloud_openapi failed: {exc!r}")
            continue
        document = merged
    return document


def _merged(document: dict, part: dict, plugin: str) -> dict:
    unknown = set(part) - {"paths", "schemas"}
    if unknown:
        raise PluginDocumentError(f"unknown keys {sorted(unknown)}")
    result = copy.deepcopy(document)
    paths, schemas = result["paths"], result["components"]["schemas"]
    operation_ids = {op["operationId"] for item in paths.values() for op in item.values()}
    for name, schema in (part.get("schemas") or {}).items():
        if name in schemas:
            raise PluginDocumentError(f"schema {name!r} is already defined")
        if not isinstance(schema, dict):
            raise PluginDocumentError(f"schema {name!r} is not an object")
        schemas[name] = copy.deepcopy(schema)
    for template, item in (part.get("paths") or {}).items():
        if not template.startswith(PLUGIN_PATH_PREFIX):
            raise PluginDocumentError(f"path {template!r} is not under {PLUGIN_PATH_PREFIX}")
        if template in paths:
            raise PluginDocumentError(f"path {template!r} is already documented")
        if not item or set(item) - METHODS:
            raise PluginDocumentError(f"path {template!r} has no or unknown methods")
        for method, op in item.items():
            op_id = op.get("operationId")
            if not op_id or op_id in operation_ids:
                raise PluginDocumentError(f"{method} {template}: operationId missing or taken")
            operation_ids.add(op_id)
        paths[template] = copy.deepcopy(item)
    return result


def includeme(config) -> None:
    """Called by the core after every plugin's includeme (the document needs them all)."""
    config.registry.openapi_document = build_document(config.registry.plugin_host)
