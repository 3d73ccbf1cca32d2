"""Tenants in the platform console: list, create, suspend, resume, delete."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from praxcloud.core.models import OperatorSession, Tenant, utcnow
from praxcloud.core.provisioning import all_tenants

from .conftest import OPERATOR_EMAIL, csrf_of, operator_post
from .test_auth import platform_events

ADMIN = "head@north.test"


def tenant_count(registry) -> int:
    with registry.tenancy.platform_session() as platform_db:
        return platform_db.scalar(select(func.count()).select_from(Tenant))


def test_list_shows_each_tenant(operator, make_tenant):
    make_tenant("acme", "Acme Care")
    make_tenant("zenith", "Zenith Clinic")
    page = operator.get("/platform/tenants")
    assert "Acme Care" in page.text and "Zenith Clinic" in page.text
    assert page.text.index("acme") < page.text.index("zenith")
    assert "active" in page.text
    found = operator.get("/platform/tenants", {"q": "zen"})
    assert "Zenith Clinic" in found.text and "Acme Care" not in found.text
    none = operator.get("/platform/tenants", {"q": "100%_"})
    assert "No tenant matches" in none.text


def test_create_a_tenant(operator, registry, settings):
    response = operator_post(operator, "/platform/tenants",
                             {"slug": "north-clinic", "name": "North Clinic",
                              "admin_email": ADMIN})
    assert response.location == "http://localhost/platform/tenants/north-clinic"
    page = response.follow()
    assert "Tenant north-clinic created;" in page.text and "North Clinic" in page.text
    [tenant] = all_tenants(registry.tenancy)
    assert (tenant.slug, tenant.name, tenant.status) == ("north-clinic", "North Clinic", "active")
    if settings["praxcloud.tenant_db_backend"] == "sqlite":
        assert (Path(settings["praxcloud.tenant_data_dir"]) / "north-clinic.sqlite").exists()
    [event] = platform_events(registry, "tenant.create")
    assert (event.actor, event.tenant_slug, event.details) == (
        OPERATOR_EMAIL, "north-clinic", {"name": "North Clinic"})


@pytest.mark.parametrize("slug, message", [
    ("Bad Slug", "A tenant slug is 3-40 characters"),
    ("ab", "A tenant slug is 3-40 characters"),
    ("platform", "The slug &#39;platform&#39; is reserved."),
    ("api", "is reserved"),
    ("x" * 41, "Use at most 40 characters."),
    ("acme\x00", "may not contain control characters."),
])
def test_invalid_slug_is_a_form_error_and_creates_nothing(operator, registry, settings, slug,
                                                          message):
    response = operator_post(operator, "/platform/tenants",
                             {"slug": slug, "name": "Some name", "admin_email": ADMIN},
                             status=422)
    assert message in response.text
    assert "The tenant was not created" in response.text
    assert 'value="Some name"' in response.text
    assert tenant_count(registry) == 0
    if settings["praxcloud.tenant_db_backend"] == "sqlite":
        directory = Path(settings["praxcloud.tenant_data_dir"])
        assert not directory.exists() or not any(directory.iterdir())
    assert platform_events(registry, "tenant.create") == []


def test_duplicate_slug_is_refused(operator, registry, make_tenant):
    make_tenant("acme", "Acme Care")
    response = operator_post(operator, "/platform/tenants",
                             {"slug": "acme", "name": "Other", "admin_email": ADMIN},
                             status=409)
    assert "A tenant &#39;acme&#39; already exists." in response.text
    [tenant] = all_tenants(registry.tenancy)
    assert tenant.name == "Acme Care"


def test_name_is_required(operator, registry):
    response = operator_post(operator, "/platform/tenants",
                             {"slug": "acme", "name": "  ", "admin_email": ADMIN}, status=422)
    assert "Give the tenant a name." in response.text
    assert tenant_count(registry) == 0


def test_create_needs_the_csrf_token(operator, registry):
    operator.post("/platform/tenants", {"slug": "acme", "name": "Acme"}, status=400)
    assert tenant_count(registry) == 0


def test_tenant_page_shows_details_and_its_events(operator, registry):
    operator_post(operator, "/platform/tenants",
                  {"slug": "acme", "name": "Acme Care", "admin_email": ADMIN})
    page = operator.get("/platform/tenants/acme")
    assert "Acme Care" in page.text and "/api/v1/acme/" in page.text
    assert "tenant.create" in page.text and "Suspend acme" in page.text
    operator.get("/platform/tenants/nope", status=404)
    operator.get("/platform/tenants/..%2Fetc", status=404)


def test_suspend_and_resume_are_audited(operator, registry, make_tenant):
    make_tenant("acme", "Acme Care")
    page = operator.get("/platform/tenants/acme")
    operator.post("/platform/tenants/acme/status",
                  {"csrf_token": csrf_of(page), "status": "suspended"}, status=303)
    assert all_tenants(registry.tenancy)[0].status == "suspended"
    page = operator.get("/platform/tenants/acme")
    assert "Tenant acme suspended." in page.text and "Resume acme" in page.text
    operator.post("/platform/tenants/acme/status",
                  {"csrf_token": csrf_of(page), "status": "active"}, status=303)
    assert all_tenants(registry.tenancy)[0].status == "active"
    events = [(e.event, e.actor, e.tenant_slug) for e in platform_events(registry)
              if e.event.startswith("tenant.")]
    assert events == [("tenant.suspend", OPERATOR_EMAIL, "acme"),
                      ("tenant.resume", OPERATOR_EMAIL, "acme")]


def test_status_must_be_known_and_tenant_must_exist(operator, make_tenant):
    make_tenant("acme")
    operator_post(operator, "/platform/tenants/acme/status", {"status": "deleted"}, status=404)
    operator_post(operator, "/platform/tenants/nope/status", {"status": "suspended"}, status=404)
    operator_post(operator, "/platform/tenants/nope/delete", {"confirm": "nope"}, status=404)


def test_delete_needs_the_slug_typed(operator, registry, make_tenant):
    make_tenant("acme", "Acme Care")
    response = operator_post(operator, "/platform/tenants/acme/delete", {"confirm": "acm"},
                             status=422)
    assert "Type the tenant&#39;s slug, acme, to confirm the deletion." in response.text
    assert tenant_count(registry) == 1
    response = operator_post(operator, "/platform/tenants/acme/delete", {"confirm": "acme"})
    assert response.location == "http://localhost/platform/tenants"
    assert "Tenant acme deleted" in response.follow().text
    assert tenant_count(registry) == 0
    [event] = platform_events(registry, "tenant.delete")
    assert (event.actor, event.tenant_slug) == (OPERATOR_EMAIL, "acme")


def test_changes_work_when_the_operator_session_is_due_a_touch(operator, registry, make_tenant):
    """The services write in their own sessions; the request's touch must not block them."""
    make_tenant("acme")
    page = operator.get("/platform/tenants/acme")
    with registry.tenancy.platform_session() as platform_db:
        session = platform_db.scalars(select(OperatorSession)).one()
        session.last_seen_at = utcnow() - dt.timedelta(minutes=5)
    started = utcnow()
    operator.post("/platform/tenants/acme/status",
                  {"csrf_token": csrf_of(page), "status": "suspended"}, status=303)
    assert utcnow() - started < dt.timedelta(seconds=10)
    assert all_tenants(registry.tenancy)[0].status == "suspended"
    with registry.tenancy.platform_session() as platform_db:
        session = platform_db.scalars(select(OperatorSession)).one()
        assert utcnow() - session.last_seen_at < dt.timedelta(minutes=1)
