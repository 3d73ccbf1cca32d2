"""The Celery app a process sends and runs tasks with, configured from its settings.

Every process builds one: web processes to send tasks (``request.enqueue``),
workers and beat to run and schedule them (``praxcloud/worker.py`` adds the
beat schedule). The app carries the process's Pyramid registry
(``app.praxcloud_registry``) so that a task opens tenants through the same
services, and the same plugins, as a web request.

Brokers by ``praxcloud.broker_url``:

- ``redis://...`` in production;
- ``filesystem://`` in development: messages are files under
  ``praxcloud.celery_data_dir``, so no broker server is needed;
- ``memory://`` (the default when nothing is set): process-local, for tests;
  ``praxcloud.celery_eager = true`` runs tasks inline instead of sending them.

Messages are JSON only; no result backend (tasks report through logs and the
database, never through results).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from celery import Celery

from .settings import settings_of

log = logging.getLogger(__name__)

DEFAULT_BROKER = "memory://"
DEFAULT_QUEUE = "praxcloud"


def filesystem_transport_options(data_dir: Path) -> dict[str, Any]:
    """The filesystem broker's folders under ``data_dir``, created when missing.

    Producers and consumers use the same folder, so a message written by a
    web process is the one a worker reads. Processed messages are moved into
    a folder on the same file system: the move is an atomic rename, so two
    workers never both take one message.
    """
    folders = {
        "queue": data_dir / "queue",
        "processed": data_dir / "processed",
        "control": data_dir / "control",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folders["queue"]),
        "data_folder_out": str(folders["queue"]),
        "processed_folder": str(folders["processed"]),
        "store_processed": True,
        "control_folder": str(folders["control"]),
    }


def celery_config(settings) -> dict[str, Any]:
    """Celery settings for a process from the platform's ini settings."""
    broker = settings_of(settings).broker_url
    if not broker:
        log.info("praxcloud.broker_url is not set: tasks go to the in-process memory:// broker")
        broker = DEFAULT_BROKER
    scheme = broker.split("://", 1)[0]
    if scheme not in ("redis", "rediss", "filesystem", "memory", "amqp", "pyamqp"):
        raise ValueError(f"praxcloud.broker_url: unsupported broker {scheme!r}")
    conf: dict[str, Any] = {
        "broker_url": broker,
        "broker_connection_retry_on_startup": True,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "event_serializer": "json",
        "task_ignore_result": True,
        "task_default_queue": settings_of(settings).celery_queue or DEFAULT_QUEUE,
        # Tasks are idempotent: acknowledging after the run means a worker
        # that dies mid-task leaves the message for another one.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_always_eager": settings_of(settings).celery_eager,
        "task_eager_propagates": True,
        "timezone": "UTC",
        "enable_utc": True,
    }
    if scheme == "filesystem":
        # The transport needs no host; naming one stops kombu warning about
        # the missing host on every connection.
        conf["broker_url"] = "filesystem://localhost/"
        data_dir = Path(settings_of(settings).celery_data_dir)
        conf["broker_transport_options"] = filesystem_transport_options(data_dir)
        conf["beat_schedule_filename"] = str(data_dir / "beat-schedule")
    return conf


def make_celery_app(registry) -> Celery:
    """The process's Celery app, bound to ``registry``.

    It becomes the default app too, so task objects used directly
    (``purge_expired.delay()``) resolve to it in every thread.
    """
    from .tasks import PlatformTask

    app = Celery("praxcloud", task_cls=PlatformTask, set_as_current=True)
    app.conf.update(celery_config(registry.settings))
    app.praxcloud_registry = registry
    app.set_default()
    return app
