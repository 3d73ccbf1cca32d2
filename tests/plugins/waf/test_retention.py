"""Incidents are deleted after the tenant's ``incident_retention_days`` by a daily task.

The task runs inline (Celery eager) and reads the plugin's clock, a FakeClock here:
days pass when the test says so.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from plugins.waf import tasks
from praxcloud.plugin import PluginSettingsInvalid
from praxcloud.testing import FakeClock
from praxcloud.worker import beat_schedule

NAME = "waf"
DAY = 86400


@pytest.fixture
def settings(settings):
    return {**settings, "praxcloud.celery_eager": "true"}


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    clock = FakeClock(time.time())
    monkeypatch.setattr(tasks, "clock", clock)
    return clock


@pytest.fixture
def attacked(testapp, make_tenant):
    make_tenant("acme", plugins={NAME: {}})
    make_tenant("beta", plugins={NAME: {"incident_retention_days": 7, "strikes": 100}})
    make_tenant("gamma")
    for slug, count in (("acme", 2), ("beta", 3)):
        for _ in range(count):
            testapp.get(f"/{slug}/login", {"q": "<svg onload=alert(1)>"}, status=403)


def kept(tenant_request, slug: str) -> int:
    with tenant_request(slug) as request:
        return request.tenant_db.execute(text("SELECT count(*) FROM waf_incidents")).scalar()


def test_incidents_go_after_each_tenants_retention(attacked, clock, tenant_request):
    assert tasks.prune_incidents.delay().get() == 2  # acme and beta, not gamma
    assert (kept(tenant_request, "acme"), kept(tenant_request, "beta")) == (2, 3)
    clock.advance(7 * DAY + 60)
    tasks.prune_incidents.delay().get()
    assert (kept(tenant_request, "acme"), kept(tenant_request, "beta")) == (2, 0)
    clock.advance(83 * DAY)
    assert tasks.prune_incidents_tenant.delay("acme").get() == 2
    assert kept(tenant_request, "acme") == 0
    assert tasks.prune_incidents_tenant.delay("acme").get() == 0  # idempotent


def test_the_task_is_scheduled_daily(registry):
    schedule = beat_schedule(registry.plugin_host, registry.celery_app)
    entry = schedule["waf.prune_incidents"]
    assert entry["task"] == "plugins.waf.tasks.prune_incidents"
    assert entry["schedule"] == tasks.SCHEDULE and tasks.SCHEDULE.days == 1


def test_the_retention_is_a_setting(registry):
    host = registry.plugin_host
    assert host.validate_settings(NAME, {})["incident_retention_days"] == 90
    assert host.validate_settings(NAME, {"incident_retention_days": 365})[
        "incident_retention_days"] == 365
    for wrong in (0, 4000, "90"):
        with pytest.raises(PluginSettingsInvalid):
            host.validate_settings(NAME, {"incident_retention_days": wrong})
