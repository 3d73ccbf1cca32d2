"""A real Celery worker process runs the platform's tasks: through Redis, and with no server at all.

The worker is started as an operator would start it (``celery -A
praxcloud.worker worker`` with ``PRAXCLOUD_INI``), on an ini file naming
the same databases and master key as the test's own app, so it sees the
tenants the test creates. Each worker listens on a queue of its own and
is always stopped (terminate, then kill) when the test ends.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery
from sqlalchemy import func, select

from praxcloud import main
from praxcloud.core.celery_app import celery_config
from praxcloud.core.migrations import upgrade_platform
from praxcloud.core.models import AuthSession, utcnow
from praxcloud.core.provisioning import create_tenant
from praxcloud.core.scripting import tenant_request
from praxcloud.core.tasks import purge_expired, resolve_task
from praxcloud.testing import REDIS_URL, base_settings, need

pytestmark = pytest.mark.worker

WAIT_SECONDS = 60


def write_ini(path: Path, settings: dict) -> Path:
    lines = ["[app:main]", "use = egg:praxcloud"]
    lines += [f"{key} = {str(value).replace('%', '%%')}" for key, value in settings.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


class Worker:
    """``celery -A praxcloud.worker worker`` in a subprocess of its own process group."""

    def __init__(self, ini: Path, queue: str, log_path: Path):
        self.log_path = log_path
        env = {**os.environ, "PRAXCLOUD_INI": str(ini)}
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "praxcloud.worker", "worker",
             "--pool=solo", "--concurrency=1", "-l", "info", "-Q", queue,
             "-n", f"pxtest-{uuid.uuid4().hex[:8]}@%h",
             "--without-mingle", "--without-gossip", "--without-heartbeat"],
            env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()


@pytest.fixture
def start_worker(tmp_path):
    workers: list[Worker] = []

    def start(ini: Path, queue: str) -> Worker:
        worker = Worker(ini, queue, tmp_path / f"worker-{len(workers)}.log")
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
    for worker in workers:
        assert not worker.alive()


def seed_dead_sessions(registry, slug: str, user_id: int, count: int = 3) -> None:
    long_ago = utcnow() - dt.timedelta(days=3)
    with tenant_request(registry, slug) as request:
        request.tenant_db.add_all(
            AuthSession(token_hash=secrets.token_hex(32), kind="api", user_id=user_id,
                        created_at=long_ago, last_seen_at=long_ago,
                        expires_at=long_ago + dt.timedelta(hours=12), data={})
            for _ in range(count)
        )


def count_sessions(registry, slug: str) -> int:
    with tenant_request(registry, slug) as request:
        return request.tenant_db.scalar(select(func.count(AuthSession.id)))


def wait_until_purged(registry, slug: str, worker: Worker) -> None:
    """Until the rows are gone and the task has logged its counts (it commits before it logs)."""
    done = f"purged expired rows of tenant {slug}: auth_sessions=3"
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if done in worker.log() and count_sessions(registry, slug) == 0:
            return
        assert worker.alive(), f"the worker died:\n{worker.log()}"
        time.sleep(0.25)
    pytest.fail(f"the worker did not purge within {WAIT_SECONDS} s:\n{worker.log()}")


@pytest.fixture
def redis_queue():
    need(bool(REDIS_URL), "PRAXCLOUD_TEST_REDIS_URL is not set")
    queue = f"pxtest-{uuid.uuid4().hex[:10]}"
    yield queue
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    # The queue and kombu's bookkeeping of it (binding keys name the queue).
    for key in [queue.encode(), *client.scan_iter(match=f"_kombu.binding*{queue}")]:
        client.delete(key)
    client.close()


@pytest.mark.redis
def test_worker_purges_through_redis(tmp_path, settings, app, tenant, make_user, redis_queue,
                                     start_worker):
    registry = app.registry
    user_id = make_user("acme", "sessions@acme.test")
    seed_dead_sessions(registry, "acme", user_id)
    worker_settings = {**settings, "praxcloud.broker_url": REDIS_URL,
                       "praxcloud.celery_queue": redis_queue}
    worker = start_worker(write_ini(tmp_path / "worker.ini", worker_settings), redis_queue)

    # Sent as beat would send it: the platform task fans out through Redis
    # to one tenant task per tenant, which the same worker then runs.
    sender = Celery("test-sender", set_as_current=False)
    sender.conf.update(celery_config(worker_settings))
    try:
        sender.send_task("praxcloud.core.tasks.purge_expired")
    finally:
        sender.close()
    wait_until_purged(registry, "acme", worker)
    # The fan-out went through the broker too: the tenant task was received.
    assert "Task praxcloud.core.tasks.purge_expired_tenant[" in worker.log()


def test_development_config_needs_no_broker_server(tmp_path, start_worker):
    """filesystem://: the web process's app writes the message, a worker reads it."""
    settings = {**base_settings(tmp_path), "praxcloud.broker_url": "filesystem://",
                "praxcloud.celery_data_dir": str(tmp_path / "celery"),
                "praxcloud.load_plugins": "false"}
    wsgi = main({}, **settings)
    registry = wsgi.registry
    try:
        upgrade_platform(registry.tenancy.platform_engine, registry.keyring)
        create_tenant(registry.tenancy, "acme", "Acme")
        from praxcloud.core.user_admin import create_user

        with tenant_request(registry, "acme") as request:
            user_id = create_user(request, "someone@acme.test",
                                  "correct horse battery staple", ["staff"]).id
        seed_dead_sessions(registry, "acme", user_id)

        # Sent before any worker exists: the message waits as a file.
        resolve_task(registry.celery_app, purge_expired).delay()
        assert list((tmp_path / "celery" / "queue").glob("*.praxcloud.msg"))

        worker = start_worker(write_ini(tmp_path / "dev.ini", settings), "praxcloud")
        wait_until_purged(registry, "acme", worker)
        assert not list((tmp_path / "celery" / "queue").glob("*.msg"))
    finally:
        registry.tenancy.dispose()
