"""TenantTask: its tenant's database, one transaction per task, unservable tenants skipped."""

from __future__ import annotations

import logging

import pytest

from praxcloud.core.models import Tenant, TenantPlugin
from praxcloud.core.provisioning import set_status
from praxcloud.core.scripting import tenant_request
from praxcloud.core.tasks import active_tenant_slugs, tenants_with_plugin

from .sample_tasks import add_record, add_record_everywhere, add_record_then_fail


def test_task_runs_in_its_tenant_and_commits(tenant, make_tenant, record_names):
    make_tenant("beta")
    assert add_record.delay("acme", "only-acme").get() == "only-acme"
    assert record_names("acme") == ["only-acme"]
    assert record_names("beta") == []


def test_each_task_commits_on_its_own(tenant, record_names):
    add_record.delay("acme", "first")
    with pytest.raises(RuntimeError):
        add_record_then_fail.delay("acme", "second")
    add_record.delay("acme", "third")
    assert record_names() == ["first", "third"]


def test_failing_task_rolls_back_everything_it_wrote(tenant, record_names):
    with pytest.raises(RuntimeError, match="failed after writing"):
        add_record_then_fail.delay("acme", "half-written")
    assert record_names() == []


def test_suspended_tenant_is_skipped_not_retried(tenant, registry, record_names, caplog):
    set_status(registry.tenancy, "acme", "suspended")
    with caplog.at_level(logging.WARNING, logger="praxcloud.core.tasks"):
        result = add_record.delay("acme", "while-suspended")
    assert result.get() is None
    assert result.state == "SUCCESS"
    assert "skipped for tenant 'acme': tenant_suspended" in caplog.text
    set_status(registry.tenancy, "acme", "active")
    assert record_names() == []


@pytest.mark.parametrize("slug", ["nobody", "../acme", "ACME"])
def test_unknown_tenant_is_skipped(tenant, slug, caplog):
    with caplog.at_level(logging.WARNING, logger="praxcloud.core.tasks"):
        assert add_record.delay(slug, "lost").get() is None
    assert "unknown_tenant" in caplog.text


def test_task_inside_an_open_transaction_keeps_its_own(tenant, registry, record_names):
    """An eager task started inside another transaction commits on its own."""
    with pytest.raises(ValueError), tenant_request(registry, "acme") as request:
        from praxcloud.core.models import Record

        request.tenant_db.add(Record(name="outer"))
        add_record.delay("acme", "inner")
        raise ValueError("abort the outer transaction")
    assert record_names() == ["inner"]


def test_fan_out_reaches_every_active_tenant(tenant, make_tenant, registry, record_names):
    make_tenant("beta")
    make_tenant("gamma")
    set_status(registry.tenancy, "gamma", "suspended")
    assert active_tenant_slugs(registry) == ["acme", "beta"]
    assert add_record_everywhere.delay("fanned").get() == 2
    assert record_names("acme") == ["fanned"]
    assert record_names("beta") == ["fanned"]
    set_status(registry.tenancy, "gamma", "active")
    assert record_names("gamma") == []


def test_tenants_with_plugin_lists_active_tenants_enabling_it(tenant, make_tenant, registry):
    for slug in ("beta", "gamma", "delta"):
        make_tenant(slug)
    with registry.tenancy.platform_session() as platform_db:
        ids = {t.slug: t.id for t in platform_db.query(Tenant)}
        for slug in ("acme", "gamma", "delta"):
            platform_db.add(TenantPlugin(tenant_id=ids[slug], plugin="nightly", settings={}))
        platform_db.add(TenantPlugin(tenant_id=ids["beta"], plugin="other", settings={}))
    set_status(registry.tenancy, "delta", "suspended")
    assert tenants_with_plugin(registry, "nightly") == ["acme", "gamma"]
    assert tenants_with_plugin(registry, "other") == ["beta"]
    assert tenants_with_plugin(registry, "absent") == []


def test_bound_task_keeps_celery_context(tenant):
    from .sample_tasks import task_context

    result = task_context.delay("acme", "ctx")
    seen = result.get()
    # The id and the original arguments are those Celery sent (a retry resends them).
    assert seen == {"id": result.id, "args": ["acme", "ctx"], "label": "ctx", "tenant": "acme"}


def test_task_called_as_a_function_runs_in_its_tenant(tenant, record_names):
    assert add_record("acme", "called-directly") == "called-directly"
    assert record_names() == ["called-directly"]
