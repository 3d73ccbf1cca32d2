"""The plugin's part of the OpenAPI document: valid, and the same as its routes and views."""

from __future__ import annotations

from openapi_spec_validator import validate

from plugins.mfa_webauthn.openapi import PATHS, SCHEMAS
from tests.api.conftest import served_api_methods

from .conftest import api_headers

PREFIX = "mfa_webauthn."


def served_methods(registry) -> dict[str, set[str]]:
    return served_api_methods(registry, PREFIX)


def test_every_api_route_is_documented_with_exactly_its_methods(registry):
    served = served_methods(registry)
    assert len(served) == 7, "the plugin's API routes were not loaded"
    paths = registry.openapi_document["paths"]
    documented = {template: set(paths[template]) for template in served if template in paths}
    assert documented == served
    # Nothing documented that the plugin does not serve.
    assert set(PATHS) == set(served)


def test_the_served_document_is_valid_openapi_and_holds_the_plugins_part(testapp, registry):
    served = testapp.get("/api/v1/openapi.json").json
    validate(served)
    validate(registry.openapi_document)
    assert set(SCHEMAS) <= set(served["components"]["schemas"])
    assert all(name.startswith(("Webauthn", "Passkey")) for name in SCHEMAS)
    operation_ids = [op["operationId"] for item in served["paths"].values()
                     for op in item.values()]
    assert len(operation_ids) == len(set(operation_ids))
    assert "mfa_webauthn" not in registry.plugin_host.broken


def test_passkey_endpoints_are_public_and_key_endpoints_need_a_token(registry):
    paths = registry.openapi_document["paths"]
    public = {(template, method) for template, item in PATHS.items()
              for method, op in item.items() if op["security"] == []}
    assert public == {("/api/v1/{tenant}/mfa/webauthn/login-options", "post"),
                      ("/api/v1/{tenant}/auth/passkey/options", "post"),
                      ("/api/v1/{tenant}/auth/passkey", "post")}
    assert paths["/api/v1/{tenant}/mfa/webauthn/credentials"]["get"]["security"] == [
        {"bearer": []}]


def test_methods_a_path_does_not_have_answer_405_with_the_documented_allow(webauthn, testapp):
    headers = api_headers(testapp)
    for template, item in PATHS.items():
        url = template.replace("{tenant}", "acme").replace("{id}", "1")
        allowed = {method.upper() for method in item}
        for method in sorted({"GET", "POST", "PUT", "PATCH", "DELETE"} - allowed):
            answer = testapp.request(url, method=method, headers=headers, status=405)
            assert answer.json["error"]["code"] == "method_not_allowed"
            assert set(answer.headers["Allow"].split(", ")) == allowed
