"""Fixtures of the API tests.

Every test here talks to the app through
:class:`praxcloud.testing.openapi.ValidatingTestApp`: each response to a
request under ``/api/`` is checked against the core's OpenAPI document (the
status must be documented for the operation, the body must match its
schema, a 204 has no body), so the document and the API cannot drift apart
unnoticed.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from praxcloud.core import records as record_service
from praxcloud.core.api.operations import openapi_document
from praxcloud.core.models import AuditEvent, Tenant
from praxcloud.core.scripting import tenant_request
from praxcloud.testing import PASSWORD, api_login, bearer
from praxcloud.testing.clients import new_testapp
from praxcloud.testing.openapi import OpenApiChecker, ValidatingTestApp


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


@pytest.fixture
def openapi_checker(app) -> OpenApiChecker:
    return OpenApiChecker(openapi_document())


@pytest.fixture
def testapp(app, openapi_checker):
    """The shared testapp fixture, but every API answer is held to the document."""
    client = new_testapp(app, ValidatingTestApp)
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
