"""Retention on the plugin's clock (a FakeClock here), the daily Celery beat entry, audit.

Backups are taken at times the test chooses (restic's ``--time`` from the
plugin's clock); those older than ``keep_days`` are forgotten after each run,
never the newest verified one.
"""

from __future__ import annotations

import datetime as dt

import pytest

from plugins.backup import service, status, tasks
from praxcloud.plugin import PluginSettingsInvalid
from praxcloud.worker import beat_schedule

from .conftest import NAME, events

DAY = 86400


def listed(tenant_request, slug="acme") -> list[dict]:
    with tenant_request(slug) as request:
        return service.list_backups(request)


def run(tenant_request, slug="acme") -> dict:
    with tenant_request(slug) as request:
        return service.run_backup(request)


def kept(tenant_request, slug="acme") -> tuple[int, int]:
    """The backup status the operators' page shows: (count, verified count)."""
    with tenant_request(slug) as request:
        known = status.cached(request)
    return known["count"], known["verified_count"]


def test_old_backups_are_pruned_after_keep_days(restic_installed, make_tenant, tenant_request,
                                                target, clock):
    make_tenant("acme", plugins={NAME: {"target": target, "keep_days": 2}})
    first = run(tenant_request)
    clock.advance(DAY)
    second = run(tenant_request)
    clock.advance(DAY)
    assert run(tenant_request)["pruned"] == 0  # the first is exactly 2 days old: kept
    clock.advance(DAY // 2)  # the first is 2.5 days old now, the second 1.5
    fourth = run(tenant_request)
    assert fourth["pruned"] == 1
    ids = [item["id"] for item in listed(tenant_request)]
    assert first["id"] not in ids and second["id"] in ids and fourth["id"] == ids[0]
    assert len(ids) == 3
    assert kept(tenant_request) == (3, 3)  # the status kept is what is left after pruning
    assert ("backup.pruned", "success") in events(tenant_request, "acme")


def test_the_last_good_backup_is_never_pruned(restic_installed, make_tenant, tenant_request,
                                              target, clock):
    make_tenant("acme", plugins={NAME: {"target": target, "keep_days": 1}})
    run(tenant_request)
    clock.advance(DAY // 2)
    newest = run(tenant_request)
    clock.advance(40 * DAY)  # no backup for 40 days (the target was down, say)
    with tenant_request("acme") as request:
        assert service.prune(request) == 1
    assert [item["id"] for item in listed(tenant_request)] == [newest["id"]]
    with tenant_request("acme") as request:
        assert service.prune(request) == 0
    assert [item["id"] for item in listed(tenant_request)] == [newest["id"]]


def snap(day: int, verified: bool) -> dict:
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=day)
    return {"id": f"s{day}", "at": at, "tags": ["tenant:acme"] + (["verified"] if verified else [])}


def test_an_unverified_newer_backup_does_not_count_as_the_last_good_one():
    snapshots = [snap(0, True), snap(1, True), snap(2, False)]
    at = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    assert [one["id"] for one in service.to_forget(snapshots, 30, at)] == ["s0", "s2"]
    assert [one["id"] for one in service.to_forget([snap(0, False)], 30, at)] == ["s0"]
    assert [one["id"] for one in service.to_forget(snapshots, 365, at)] == []


def test_the_daily_task_backs_up_each_enabling_tenant(restic_installed, make_tenant,
                                                      tenant_request, target):
    make_tenant("acme", plugins={NAME: {"target": target}})
    make_tenant("beta", plugins={NAME: {"target": target}})
    make_tenant("gamma")
    make_tenant("delta", plugins={NAME: {}})  # no target: fails, audited, others go on
    assert tasks.backup_all.delay().get() == 3
    assert len(listed(tenant_request, "acme")) == 1
    assert len(listed(tenant_request, "beta")) == 1
    assert events(tenant_request, "delta") == [("backup.failed", "failure")]
    result = tasks.backup_tenant.delay("acme").get()
    assert result["ok"] and result["size"] > 0
    assert len(listed(tenant_request, "acme")) == 2


def test_the_task_is_scheduled_daily(registry):
    schedule = beat_schedule(registry.plugin_host, registry.celery_app)
    entry = schedule["backup.daily"]
    assert entry["task"] == "plugins.backup.tasks.backup_all"
    assert entry["schedule"] == tasks.SCHEDULE and tasks.SCHEDULE.days == 1


def test_the_settings_are_checked(registry):
    host = registry.plugin_host
    assert host.validate_settings(NAME, {}) == {"target": "", "keep_days": 30}
    for wrong in ({"keep_days": 0}, {"keep_days": "30"}, {"target": "http://x/"},
                  {"target": "file://relative"}, {"other": 1}):
        with pytest.raises(PluginSettingsInvalid):
            host.validate_settings(NAME, wrong)


def test_a_run_whose_pruning_fails_still_counts(restic_installed, make_tenant, tenant_request,
                                                target, clock, monkeypatch):
    from plugins.backup.errors import BackupError
    from plugins.backup.restic import Repository

    make_tenant("acme", plugins={NAME: {"target": target, "keep_days": 1}})
    run(tenant_request)
    clock.advance(2 * DAY)

    def locked(self, ids):
        raise BackupError("restic_failed", "repository is already locked by another run")
    with monkeypatch.context() as patch:
        patch.setattr(Repository, "forget", locked)
        made = run(tenant_request)
    assert made["status"] == "verified" and made["pruned"] == 0
    assert len(listed(tenant_request)) == 2 and kept(tenant_request) == (2, 2)
    assert ("backup.prune_failed", "failure") in events(tenant_request, "acme")
    assert run(tenant_request)["pruned"] == 1
    assert kept(tenant_request) == (2, 2)
