"""The daily run: every enabling tenant, refused until a dry run, on the plugin's clock.

Celery runs inline (eager); the policy reads the plugin's clock, a FakeClock
here: days pass when the test says so.
"""

from __future__ import annotations

import time

import pytest

from plugins.anonymiser import policy, tasks
from praxcloud.testing import FakeClock
from praxcloud.worker import beat_schedule

from .conftest import NAME, RECENT, add_records, person, raw, stored_records

DAY = 86400


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    clock = FakeClock(time.time())
    monkeypatch.setattr(policy, "clock", clock)
    return clock


def test_the_daily_task_anonymises_each_tenant_once_its_dry_run_was_seen(
        make_tenant, tenant_request, registry, clock):
    make_tenant("acme", plugins={NAME: {"retention_days": 30}})
    make_tenant("beta", plugins={NAME: {"retention_days": 30}})
    make_tenant("gamma")
    for slug in ("acme", "beta", "gamma"):
        add_records(tenant_request, slug, [person(n, RECENT) for n in range(3)])
    with tenant_request("acme") as request:
        policy.dry_run(request, "test")
    # Nothing is 30 days old yet; beta has had no dry run.
    assert tasks.anonymise.delay().get() == 2
    assert [row["status"] for row in raw(registry, "beta", "SELECT status FROM "
                                                           "anonymiser_runs")] == ["refused"]
    clock.advance(21 * DAY)
    assert tasks.anonymise_tenant.delay("acme").get() == {"status": "done", "records": 3}
    assert tasks.anonymise_tenant.delay("beta").get() == {"status": "refused", "records": 0}
    assert tasks.anonymise_tenant.delay("acme").get() == {"status": "done", "records": 0}
    assert all(row["anonymised_at"] is not None for row in stored_records(registry).values())
    assert all(row["anonymised_at"] is None
               for row in stored_records(registry, "beta").values())
    refusals = raw(registry, "beta", "SELECT outcome FROM audit_events "
                                     "WHERE event = 'anonymiser.run'")
    assert [row["outcome"] for row in refusals] == ["failure", "failure"]


def test_the_task_is_scheduled_daily(registry):
    entry = beat_schedule(registry.plugin_host, registry.celery_app)["anonymiser.anonymise"]
    assert entry["task"] == "plugins.anonymiser.tasks.anonymise"
    assert entry["schedule"] == tasks.SCHEDULE and tasks.SCHEDULE.days == 1
