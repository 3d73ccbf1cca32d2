"""Settings sections: the services a process talks to (mail, Celery, the shared state)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .base import MAIL, SHARED, TASKS, setting


@dataclass(frozen=True)
class MailSettings:
    """Mail."""

    mail_backend: Literal["folder", "smtp"] = setting(
        "folder", "folder writes mails under mail.top_level_directory; smtp sends them "
        "(pyramid_mailer's mail.* settings).", MAIL)


@dataclass(frozen=True)
class TaskSettings:
    """Background tasks (Celery)."""

    broker_url: str = setting(
        "", "Celery broker (redis://, filesystem://, amqp://); empty: the in-process "
        "memory:// broker.", TASKS)
    celery_queue: str = setting(
        "praxcloud", "The Celery queue tasks are sent to.", TASKS)
    celery_eager: bool = setting(
        False, "Run tasks inline instead of sending them (tests, scripts).", TASKS)
    celery_data_dir: str = setting(
        "var/celery", "Folder of the filesystem:// broker's messages and beat schedule.", TASKS)


@dataclass(frozen=True)
class SharedStateSettings:
    """Shared state."""

    shared_state_url: str = setting(
        "memory://", "Counters shared between processes: memory:// (one process) or "
        "redis://.", SHARED)
    shared_state_prefix: str = setting(
        "praxcloud:", "Prefix of every key the shared state writes.", SHARED)
    shared_state_timeout_ms: int = setting(
        2000, "Redis socket timeout; a store that does not answer in time refuses.", SHARED,
        minimum=1)
