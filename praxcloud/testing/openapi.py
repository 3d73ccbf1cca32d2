"""Holding every API answer to the OpenAPI document the app serves.

:class:`ValidatingTestApp` checks each response to a request under
``/api/`` against the served document (the core's operations and each
installed plugin's part, ``praxcloud_openapi``): the status must be
documented for the operation, the body must match its schema, a 204 has no
body. A plugin whose tests use it cannot let its document and its views
drift apart unnoticed.
"""

from __future__ import annotations

import re

import webtest
from jsonschema import Draft202012Validator, FormatChecker

from .clients import new_testapp

JSON = "application/json"
ERROR_REF = {"$ref": "#/components/schemas/Error"}


class OpenApiChecker:
    """Checks one response against the operation the document gives for its path and method."""

    def __init__(self, document: dict):
        self.document = document
        self.components = document["components"]
        self.templates = []
        for template in document["paths"]:
            regex = re.escape(template)
            regex = re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", regex)
            self.templates.append((re.compile(regex), template))
        self.seen: list[tuple[str, str, int]] = []

    def template_for(self, path: str) -> str | None:
        for regex, template in self.templates:
            if regex.fullmatch(path):
                return template
        return None

    def validate(self, schema: dict, instance, where: str) -> None:
        validator = Draft202012Validator({**schema, "components": self.components},
                                         format_checker=FormatChecker())
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
        assert not errors, f"{where}: body does not match the document: " + "; ".join(
            f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5])

    def check(self, method: str, path: str, response) -> None:
        if not path.startswith("/api/"):
            return
        status = response.status_int
        where = f"{method} {path} -> {status}"
        if method == "OPTIONS" and status in (204, 403):
            # A CORS preflight, answered by the CORS tween (not an operation).
            self._check_body(where, response, None if status == 204 else ERROR_REF, method)
            return
        template = self.template_for(path)
        operation = (self.document["paths"].get(template, {}).get(method.lower())
                     if template else None)
        if method == "HEAD" and template:
            operation = self.document["paths"][template].get("get")
        if operation is None:
            # 403: a plugin's request check (an allowlist, a WAF) may refuse any path
            # before it is routed.
            assert status in (400, 403, 404, 405, 413), f"{where}: undocumented path/method"
            self._check_body(where, response, ERROR_REF, method)
            return
        responses = operation["responses"]
        assert str(status) in responses, (
            f"{where}: status not documented for {operation['operationId']}")
        self.seen.append((operation["operationId"], method, status))
        spec = responses[str(status)]
        schema = spec.get("content", {}).get(JSON, {}).get("schema")
        self._check_body(where, response, schema, method)

    def _check_body(self, where: str, response, schema: dict | None, method: str) -> None:
        if schema is None:
            assert response.body == b"", f"{where}: a body where the document has none"
            assert "Content-Type" not in response.headers, f"{where}: Content-Type on no body"
            return
        assert response.content_type == JSON, f"{where}: not JSON but {response.content_type}"
        if method == "HEAD":
            return
        self.validate(schema, response.json, where)


class ValidatingTestApp(webtest.TestApp):
    """A WebTest app that checks every API response against the OpenAPI document."""

    checker: OpenApiChecker

    def do_request(self, req, status=None, expect_errors=None):
        response = super().do_request(req, status="*", expect_errors=True)
        # PATH_INFO as it came, so that undecodable paths are checked too.
        self.checker.check(req.method, req.environ.get("PATH_INFO", ""), response)
        self._check_status(status, response)
        if not expect_errors:
            self._check_errors(response)
        return response


def validating_client(app, document: dict | None = None) -> ValidatingTestApp:
    """A client of ``app`` held to ``document`` (by default the one ``app`` serves)."""
    client = new_testapp(app, ValidatingTestApp)
    client.checker = OpenApiChecker(document or app.registry.openapi_document)
    return client
