"""The beat schedule: the core's periodic tasks plus every working plugin's."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from celery import Celery
from celery.schedules import crontab

from praxcloud import worker
from praxcloud.core import build_plugin_host
from praxcloud.core.hookspecs import hookimpl

from . import sample_tasks  # noqa: F401  (registers tests.worker.remember)


class NightlyPlugin:
    @hookimpl
    def praxcloud_periodic_tasks(self):
        return {"nightly": {"task": "tests.worker.remember", "schedule": crontab(hour=3, minute=0),
                            "args": ("nightly",)}}


class ExplodingPlugin:
    @hookimpl
    def praxcloud_periodic_tasks(self):
        raise RuntimeError("cannot even say what to schedule")


class MalformedPlugin:
    @hookimpl
    def praxcloud_periodic_tasks(self):
        return {"fine": {"task": "tests.worker.remember", "schedule": 60},
                "broken": {"schedule": 60}}


class UnknownTaskPlugin:
    @hookimpl
    def praxcloud_periodic_tasks(self):
        return {"ghost": {"task": "nowhere.ghost", "schedule": dt.timedelta(minutes=5)}}


@pytest.fixture
def host():
    return build_plugin_host({"praxcloud.load_plugins": "false"})


@pytest.fixture
def celery_app():
    return Celery("beat-test", set_as_current=False)


def test_core_entries_alone(host, celery_app):
    schedule = worker.beat_schedule(host, celery_app)
    assert schedule == {"core.purge_expired": {
        "task": "praxcloud.core.tasks.purge_expired", "schedule": dt.timedelta(hours=1)}}


def test_plugin_entries_are_added_under_the_plugin_name(host, celery_app):
    host.pm.register(NightlyPlugin(), name="nightly_plugin")
    schedule = worker.beat_schedule(host, celery_app)
    assert set(schedule) == {"core.purge_expired", "nightly_plugin.nightly"}
    entry = schedule["nightly_plugin.nightly"]
    assert entry["task"] == "tests.worker.remember"
    assert entry["args"] == ("nightly",)
    assert entry["schedule"] == crontab(hour=3, minute=0)


@pytest.mark.parametrize("plugin, reason", [
    (ExplodingPlugin(), "cannot even say what to schedule"),
    (MalformedPlugin(), "entry 'broken' names no task"),
    (UnknownTaskPlugin(), "task 'nowhere.ghost' is not registered"),
])
def test_failing_plugin_is_logged_by_name_and_skipped(host, celery_app, caplog, plugin, reason):
    host.pm.register(NightlyPlugin(), name="nightly_plugin")
    host.pm.register(plugin, name="bad_plugin")
    with caplog.at_level(logging.ERROR, logger="praxcloud.worker"):
        schedule = worker.beat_schedule(host, celery_app)
    assert set(schedule) == {"core.purge_expired", "nightly_plugin.nightly"}
    assert "plugin bad_plugin: praxcloud_periodic_tasks failed" in caplog.text
    assert reason in caplog.text


def test_broken_plugin_is_not_asked(host, celery_app):
    host.pm.register(NightlyPlugin(), name="nightly_plugin")
    host.broken["nightly_plugin"] = "includeme failed"
    assert set(worker.beat_schedule(host, celery_app)) == {"core.purge_expired"}


def write_ini(path, settings: dict) -> str:
    lines = ["[app:main]", "use = egg:praxcloud"]
    lines += [f"{key} = {str(value).replace('%', '%%')}" for key, value in settings.items()]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_worker_app_from_a_development_ini(tmp_path, settings, monkeypatch):
    data_dir = tmp_path / "celery-data"
    ini = write_ini(tmp_path / "dev.ini", {**settings, "praxcloud.celery_eager": "false",
                                          "praxcloud.broker_url": "filesystem://",
                                          "praxcloud.celery_data_dir": str(data_dir)})
    monkeypatch.setenv(worker.INI_VARIABLE, ini)
    monkeypatch.setattr(worker, "_loaded", {})
    app = worker.celery_app
    assert worker.app is app
    try:
        assert app.conf.broker_url.startswith("filesystem://")
        options = app.conf.broker_transport_options
        assert options["data_folder_in"] == options["data_folder_out"] == str(data_dir / "queue")
        for folder in ("queue", "processed", "control"):
            assert (data_dir / folder).is_dir()
        assert app.conf.task_serializer == "json"
        assert app.conf.accept_content == ["json"]
        assert app.conf.task_ignore_result is True
        assert "core.purge_expired" in app.conf.beat_schedule
        assert "praxcloud.core.tasks.purge_expired_tenant" in app.tasks
        assert app.praxcloud_registry.tenancy.settings["praxcloud.platform_db_url"] == \
            settings["praxcloud.platform_db_url"]
    finally:
        app.praxcloud_registry.tenancy.dispose()


def test_worker_needs_an_ini(monkeypatch):
    monkeypatch.delenv(worker.INI_VARIABLE, raising=False)
    monkeypatch.setattr(worker, "_loaded", {})
    with pytest.raises(RuntimeError, match="set PRAXCLOUD_INI"):
        worker.celery_app  # noqa: B018


def test_unsupported_broker_is_a_configuration_error():
    from praxcloud.core.celery_app import celery_config

    with pytest.raises(ValueError, match="unsupported broker 'kafka'"):
        celery_config({"praxcloud.broker_url": "kafka://somewhere"})
