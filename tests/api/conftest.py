"""Fixtures of the API tests.

Every test here talks to the app through :class:`ValidatingTestApp`: each
response to a request under ``/api/`` is checked against the OpenAPI
document the app publishes (the status must be documented for the
operation, the body must match its schema, a 204 has no body), so the
document and the API cannot drift apart unnoticed.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
import webtest
from jsonschema import Draft202012Validator, FormatChecker
from sqlalchemy import func, select

from praxcloud.core import records as record_service
from praxcloud.core.api.operations import openapi_document
from praxcloud.core.models import AuditEvent, Tenant
from praxcloud.core.scripting import tenant_request
from tests.conftest import PASSWORD, api_login, bearer

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
            assert status in (400, 404, 405, 413), f"{where}: undocumented path/method"
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


def served_api_methods(registry, route_prefix: str = "") -> dict[str, set[str]]:
    """Pattern -> the methods (lower case, HEAD aside) the views of the app's /api/ routes serve.

    Only routes whose name starts with ``route_prefix``; the API's 405 views
    name no method and so add none.
    """
    from pyramid.interfaces import IRoutesMapper

    patterns = {route.name: route.pattern
                for route in registry.getUtility(IRoutesMapper).get_routes()
                if route.name.startswith(route_prefix) and route.pattern.startswith("/api/")}
    served: dict[str, set[str]] = {pattern: set() for pattern in patterns.values()}
    for entry in registry.introspector.get_category("views"):
        view = entry["introspectable"]
        methods = view["request_methods"]
        if view["route_name"] in patterns and methods:
            for method in ([methods] if isinstance(methods, str) else methods):
                if method != "HEAD":
                    served[patterns[view["route_name"]]].add(method.lower())
    return served


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


@pytest.fixture
def openapi_checker(app) -> OpenApiChecker:
    return OpenApiChecker(openapi_document())


@pytest.fixture
def testapp(app, openapi_checker):
    """The shared testapp fixture, but every API answer is held to the document."""
    client = ValidatingTestApp(app, extra_environ={"HTTP_HOST": "localhost",
                                                   "REMOTE_ADDR": "127.0.0.1"})
    client.checker = openapi_checker
    return client


# Tenants, users and records -------------------------------------------------

def users_of(slug: str) -> dict[str, str]:
    return {"admin": f"admin@{slug}.test", "staff": f"staff@{slug}.test",
            "reader": f"reader@{slug}.test"}


def add_records(registry, slug: str, names: list[str], first_id: int | None = None) -> list[int]:
    """Records made by the service; ``first_id`` numbers them from there."""
    with tenant_request(registry, slug) as request:
        made = []
        for offset, name in enumerate(names):
            record = record_service.create(request.tenant_db, {"name": name, "email": None})
            if first_id is not None:
                record.id = first_id + offset
                request.tenant_db.flush()
            made.append(record)
        return [record.id for record in made]


@pytest.fixture
def two_tenants(make_tenant, make_user, registry):
    """Tenants acme and beta, each with admin/staff/reader users and some records.

    beta's records are numbered from 101 so that some ids exist only at beta
    (for "acme's token with beta's ids") while user ids overlap (1..3 at both).
    """
    made = {}
    for slug in ("acme", "beta"):
        make_tenant(slug, slug.title() + " Care")
        make_user(slug, f"admin@{slug}.test", groups=("admin",))
        make_user(slug, f"staff@{slug}.test", groups=("staff",))
        make_user(slug, f"reader@{slug}.test", groups=("read-only",))
    made["beta"] = add_records(registry, "beta", ["Bea One", "Bea Two", "Bea Three", "Bea Four"],
                               first_id=101)
    made["acme"] = add_records(registry, "acme", ["Ada One", "Ada Two", "Ada Three"])
    return made


@contextmanager
def tenant_db(registry, slug: str):
    """The tenant's database session inside one committed transaction."""
    with tenant_request(registry, slug) as request:
        yield request.tenant_db


def count(registry, slug: str, model, *where) -> int:
    with tenant_db(registry, slug) as db:
        return db.scalar(select(func.count()).select_from(model).where(*where))


def table_counts(registry, slug: str) -> dict[str, int]:
    """Rows per tenant table except the audit trail (failures are audited on purpose)."""
    from praxcloud.core.models import AuditSubject, TenantBase

    trail = (AuditEvent.__tablename__, AuditSubject.__tablename__)
    with tenant_db(registry, slug) as db:
        return {name: db.scalar(select(func.count()).select_from(table))
                for name, table in TenantBase.metadata.tables.items()
                if name not in trail}


def audit_events(registry, slug: str, event: str | None = None) -> list[AuditEvent]:
    with tenant_db(registry, slug) as db:
        statement = select(AuditEvent).order_by(AuditEvent.id)
        if event is not None:
            statement = statement.where(AuditEvent.event == event)
        return list(db.scalars(statement))


def set_tenant_settings(registry, slug: str, **values) -> None:
    with registry.tenancy.platform_session() as session:
        tenant = session.scalars(select(Tenant).where(Tenant.slug == slug)).one()
        tenant.settings = {**(tenant.settings or {}), **values}


def login(testapp, slug: str, email: str, password: str = PASSWORD) -> dict:
    """Authorization headers for a fresh token of ``email``."""
    return bearer(api_login(testapp, slug, email, password))
