"""The plugin's part of the served OpenAPI document: valid, complete, and true to the views.

Every other test here holds each API answer to the document (the validating
``testapp``); these check the document itself: each API route of the plugin
is in it with exactly the methods its views serve, its names are the
plugin's, and its request schemas accept what the views accept.
"""

from __future__ import annotations

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from plugins.mfa_totp.config import NAME
from plugins.mfa_totp.openapi import openapi_part
from praxcloud.testing import api_login, bearer
from praxcloud.testing.openapi import ValidatingTestApp
from tests.api.conftest import served_api_methods

API = "/api/v1/acme/mfa/totp"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def served_methods(registry) -> dict[str, set[str]]:
    return served_api_methods(registry, NAME + ".")


def test_every_api_route_is_documented_with_the_methods_its_views_serve(testapp, registry):
    document = testapp.get("/api/v1/openapi.json").json
    validate(document)
    assert NAME not in registry.plugin_host.broken
    served = served_methods(registry)
    assert len(served) == 4, served
    documented = {template: set(item) for template, item in document["paths"].items()
                  if template.startswith("/api/v1/{tenant}/mfa/totp")}
    assert documented == served
    assert served["/api/v1/{tenant}/mfa/totp"] == {"get", "delete"}


def test_names_are_the_plugins_and_every_reference_resolves(registry):
    part = openapi_part()
    document = registry.openapi_document
    assert all(name.startswith("Totp") for name in part["schemas"])
    op_ids = [op["operationId"] for item in part["paths"].values() for op in item.values()]
    assert len(op_ids) == len(set(op_ids)) == 5
    assert all(op_id.startswith("totp") for op_id in op_ids)

    def refs(node):
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    found = set(refs(part))
    assert "#/components/schemas/Error" in found
    prefix = "#/components/schemas/"
    assert all(ref.startswith(prefix) and ref[len(prefix):] in document["components"]["schemas"]
               for ref in found)
    # Every schema of the part is used by an operation.
    assert {ref[len(prefix):] for ref in found} >= set(part["schemas"])


def test_other_methods_answer_405_allowing_the_documented_ones(testapp, totp, registry):
    headers = bearer(api_login(testapp, "acme", "staff@acme.test"))
    checked = 0
    for template, item in openapi_part()["paths"].items():
        url = template.replace("{tenant}", "acme")
        allowed = {method.upper() for method in item}
        for method in sorted(set(METHODS) - allowed):
            answer = testapp.request(url, method=method, headers=headers, status=405)
            assert set(answer.headers["Allow"].split(", ")) == allowed, (method, url)
            assert answer.json["error"]["code"] == "method_not_allowed"
            checked += 1
    assert checked == 15


def test_request_schemas_accept_exactly_what_the_views_accept(testapp, totp, registry):
    """Bodies the document refuses are 422 ``validation_failed``; bodies it allows get past
    the check (here to 409/404: nothing is set up)."""
    assert isinstance(testapp, ValidatingTestApp)
    document = registry.openapi_document

    def allowed(schema_name: str, body) -> bool:
        schema = {"$ref": f"#/components/schemas/{schema_name}",
                  "components": document["components"]}
        return Draft202012Validator(schema).is_valid(body)

    headers = bearer(api_login(testapp, "acme", "staff@acme.test"))
    confirm_bodies = [{"code": "123456"}, {"code": "x" * 100}, {"code": " 123 456 "},
                      {"code": ""}, {"code": "x" * 101}, {"code": 123456}, {"code": None},
                      {}, {"code": "123456", "x": 1}, ["123456"]]
    empty_bodies = [{}, {"x": 1}, {"code": "123456"}, []]
    cases = [("post_json", "/confirm", "TotpConfirmRequest", body) for body in confirm_bodies]
    cases += [(send, path, "TotpEmptyRequest", body) for body in empty_bodies
              for send, path in (("post_json", "/recovery-codes"), ("delete_json", ""))]
    for send, path, schema_name, body in cases:
        answer = getattr(testapp, send)(API + path, body, headers=headers, status="*")
        refused = answer.status_int == 422
        assert refused != allowed(schema_name, body), (path, body, answer.json)
        if not refused:
            assert answer.status_int in (404, 409), (path, body, answer.status)
    # Each answer was held to the document (statuses and bodies).
    seen = {(op_id, status) for op_id, _method, status in testapp.checker.seen}
    assert {("totpConfirm", 409), ("totpConfirm", 422), ("totpDisable", 404),
            ("totpRegenerateRecoveryCodes", 409)} <= seen
