"""The OpenAPI document: valid, complete, and the same as the routes and views."""

from __future__ import annotations

import json

from openapi_spec_validator import validate
from pyramid.interfaces import IRoutesMapper

from praxcloud.core.api import ROUTES
from praxcloud.core.api.operations import openapi_document
from praxcloud.core.api.schemas import SCHEMAS
from tests.api.conftest import login
from tests.api.samples import VALID_BODIES, WITH_BODY, operations


def test_document_is_valid_openapi(testapp, registry):
    served = testapp.get("/api/v1/openapi.json").json
    assert served == json.loads(json.dumps(registry.openapi_document))
    validate(served)
    # The core's operations, and the installed plugins' (praxcloud_openapi) besides.
    assert set(openapi_document()["paths"]) < set(served["paths"])
    assert served["openapi"].startswith("3.1")


def test_every_route_is_documented_and_every_path_is_routed(registry):
    routes = {route.name: route.pattern
              for route in registry.getUtility(IRoutesMapper).get_routes()}
    api_routes = {name: pattern for name, pattern in routes.items()
                  if name.startswith("api.") and name != "api.unknown"}
    assert set(api_routes.values()) == set(openapi_document()["paths"])
    assert dict(ROUTES) == api_routes


def test_view_methods_match_document_methods(registry):
    documented = {(op.template, op.method) for op in operations()}
    patterns = dict(ROUTES)
    served = set()
    for entry in registry.introspector.get_category("views"):
        view = entry["introspectable"]
        route = view["route_name"]
        methods = view["request_methods"]
        if route in patterns and methods:
            for method in ([methods] if isinstance(methods, str) else methods):
                if method != "HEAD":
                    served.add((patterns[route], method))
    assert served == documented


def test_every_body_schema_has_a_valid_sample_that_the_schema_accepts():
    from praxcloud.core.api.schemas import validate as validate_body

    assert {op.body_schema for op in WITH_BODY} == set(VALID_BODIES)
    for name, body in VALID_BODIES.items():
        validate_body(name, body)
        assert name in SCHEMAS


def test_unsupported_methods_answer_405_with_allow(testapp, tenant):
    headers = login(testapp, "acme", "admin@acme.test")
    checked = 0
    for template, methods in openapi_document()["paths"].items():
        url = template.replace("{tenant}", "acme").replace("{id}", "1")
        allowed = {m.upper() for m in methods}
        for method in sorted({"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} - allowed):
            response = testapp.request(url, method=method, headers=headers, status=405)
            assert response.json["error"]["code"] == "method_not_allowed"
            assert set(response.headers["Allow"].split(", ")) == allowed
            checked += 1
    assert checked > 40


def test_unknown_api_paths_answer_json_404(testapp, tenant):
    for url in ("/api/v1/acme/nothing", "/api/v2/acme/records", "/api/login",
                "/api/v1/acme/records/1/x", "/api/v1/nobody/records"):
        response = testapp.get(url, status=404)
        assert response.json["error"]["code"] == "not_found"
