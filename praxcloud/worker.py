"""The Celery worker and beat entry point: ``celery -A praxcloud.worker worker``.

The ini file is named by the ``PRAXCLOUD_INI`` environment variable. The
platform is built from it exactly as ``pserve`` builds it (the same settings,
environment overrides, services and plugins), so a task sees the same
tenants and hooks as a web request; the Celery app is the one the core made
for it (:mod:`praxcloud.core.celery_app`), with the beat schedule added:
the core's own periodic tasks plus every plugin's
``praxcloud_periodic_tasks()`` entries.

``celery_app`` (also ``app``) is built on first use, so importing this
module for :func:`beat_schedule` needs no ini file.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from typing import Any

from celery import Celery
from celery.schedules import BaseSchedule
from celery.signals import worker_process_init

from .core.tasks import CORE_PERIODIC_TASKS

log = logging.getLogger(__name__)

INI_VARIABLE = "PRAXCLOUD_INI"


# The beat schedule --------------------------------------------------------------
def _check_entry(name: str, entry: Any, app: Celery | None) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise ValueError(f"entry {name!r} is not a dict")
    if not isinstance(entry.get("task"), str) or not entry["task"]:
        raise ValueError(f"entry {name!r} names no task")
    when = entry.get("schedule")
    if isinstance(when, bool) or not isinstance(when, int | float | dt.timedelta | BaseSchedule):
        raise ValueError(f"entry {name!r} has no schedule (seconds, timedelta or crontab)")
    if app is not None and entry["task"] not in app.tasks:
        raise ValueError(f"entry {name!r}: task {entry['task']!r} is not registered")
    return dict(entry)


def beat_schedule(plugin_host, app: Celery | None = None) -> dict[str, dict[str, Any]]:
    """The core's periodic tasks and every working plugin's, keyed ``"<plugin>.<name>"``.

    Each plugin's ``praxcloud_periodic_tasks`` is called on its own; a plugin
    that raises or answers malformed entries is logged by name and left out,
    and the others are scheduled. With ``app``, an entry naming a task the
    app does not know is left out too (beat would send what no worker runs).
    """
    result = {f"core.{name}": _check_entry(name, entry, app)
              for name, entry in CORE_PERIODIC_TASKS.items()}
    for impl in reversed(plugin_host.hook.praxcloud_periodic_tasks.get_hookimpls()):
        plugin = impl.plugin_name
        if plugin in plugin_host.broken:
            continue
        try:
            answer = impl.function() or {}
            if not isinstance(answer, dict):
                raise ValueError(f"answered {type(answer).__name__}, not a dict of entries")
            entries = {f"{plugin}.{name}": _check_entry(name, entry, app)
                       for name, entry in answer.items()}
        except Exception:
            log.exception("plugin %s: praxcloud_periodic_tasks failed; its periodic tasks "
                          "are not scheduled", plugin)
            continue
        result.update(entries)
    return result


# Building the worker's app from the ini --------------------------------------
def load_celery_app(ini_path: str) -> Celery:
    """Build the platform from ``ini_path`` and return its Celery app, beat schedule included."""
    from pyramid.paster import get_appsettings

    from . import main

    settings = get_appsettings(ini_path)
    wsgi = main(settings.global_conf, **settings)
    registry = wsgi.registry
    app = registry.celery_app
    app.conf.beat_schedule = beat_schedule(registry.plugin_host, app)
    log.info("celery app from %s: broker %s, %d periodic tasks", ini_path,
             app.conf.broker_url.split("://", 1)[0], len(app.conf.beat_schedule))
    return app


@worker_process_init.connect
def _forget_inherited_connections(**_kwargs) -> None:
    # A forked pool child must not share the parent's database sockets.
    app = _loaded.get("app")
    if app is not None:
        app.praxcloud_registry.tenancy.platform_engine.dispose(close=False)


_loaded: dict[str, Celery] = {}


def __getattr__(name: str) -> Celery:
    if name not in ("celery_app", "app"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if "app" not in _loaded:
        ini_path = os.environ.get(INI_VARIABLE)
        if not ini_path:
            raise RuntimeError(
                f"set {INI_VARIABLE} to the ini file the worker runs on "
                f"(e.g. {INI_VARIABLE}=production.ini celery -A praxcloud.worker worker)"
            )
        _loaded["app"] = load_celery_app(ini_path)
    return _loaded["app"]
