"""Background tasks: task base classes, tenant fan-out, and sending tasks after commit.

Two kinds of task:

- :class:`TenantTask` (decorator :func:`tenant_task`): ``task.delay(slug,
  ...)`` runs ``run(request, ...)`` with a request bound to that tenant
  (:func:`praxcloud.core.scripting.tenant_request`), inside one transaction
  that commits when the task returns and rolls back when it raises. A
  suspended, unknown or unavailable tenant is logged and skipped, never
  retried.
- :class:`PlatformTask` (decorator :func:`platform_task`): no tenant; the
  periodic tasks beat sends, which fan out one tenant task per tenant with
  :meth:`PlatformTask.fan_out` and :func:`tenants_with_plugin`.

Web requests send tasks with ``request.enqueue(task, *args)``: the task is
sent only once the request's transaction has committed, so a worker never
looks for rows that were rolled back, and nothing is sent when it aborts.

A plugin's periodic work, for example::

    @tenant_task(name="plugins.anonymiser.tasks.anonymise_tenant")
    def anonymise_tenant(request):
        ...  # request.tenant_db is this tenant's database

    @platform_task(name="plugins.anonymiser.tasks.nightly")
    def nightly(self):
        return self.fan_out(anonymise_tenant, tenants_with_plugin(self.registry, "anonymiser"))

with ``praxcloud_periodic_tasks()`` answering ``{"nightly": {"task":
"plugins.anonymiser.tasks.nightly", "schedule": crontab(hour=3, minute=0)}}``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

import celery
import transaction
from celery import shared_task
from pyramid.httpexceptions import HTTPNotFound
from sqlalchemy import delete, or_, select

from .authsessions import SessionPolicy
from .errors import TenantUnavailable
from .models import (
    TENANT_ACTIVE,
    AuthSession,
    LoginChallenge,
    PasswordReset,
    Tenant,
    TenantPlugin,
    utcnow,
)
from .scripting import tenant_request

log = logging.getLogger(__name__)

# Rows deleted per transaction by the purge: small enough to keep locks short.
PURGE_BATCH_SIZE = 500
# Dead sessions stay listed for a day ("signed out yesterday") before they go.
SESSION_RETENTION = dt.timedelta(days=1)


class PlatformTask(celery.Task):
    """A task with the process's registry; it runs outside any tenant."""

    @property
    def registry(self):
        registry = getattr(self.app, "praxcloud_registry", None)
        if registry is None:
            raise RuntimeError(
                f"task {self.name} runs on a Celery app that PraxCloud did not configure "
                "(use praxcloud.worker or registry.celery_app)"
            )
        return registry

    def fan_out(self, task, slugs: Iterable[str], args: tuple = (),
                kwargs: dict[str, Any] | None = None) -> int:
        """Send ``task(slug, *args, **kwargs)`` once per tenant; return how many were sent."""
        bound = resolve_task(self.app, task)
        count = 0
        for slug in slugs:
            bound.apply_async((slug, *args), kwargs or {})
            count += 1
        return count


class TenantTask(PlatformTask):
    """``delay(slug, ...)`` runs ``run(request, ...)`` in one transaction of tenant ``slug``."""

    def __call__(self, slug: str, *args, **kwargs):
        # A manager of the task's own: never the thread's default one, which
        # may be in the middle of another transaction (eager runs, tasks sent
        # from after-commit hooks).
        manager = transaction.TransactionManager(explicit=True)
        running = False
        try:
            with tenant_request(self.registry, slug, transaction_manager=manager) as request:
                running = True
                if self.request_stack.top is None:
                    # Called as a plain function: Celery's __call__ sets up the context.
                    return super().__call__(request, *args, **kwargs)
                # Run by a worker or apply(): keep the context Celery pushed
                # (task id, retries), which super().__call__ would replace.
                return self.run(request, *args, **kwargs)
        except (HTTPNotFound, TenantUnavailable) as exc:
            if running:
                raise
            # Unknown, suspended, or relying on a broken plugin: a retry would
            # fail the same way until an operator acts, so log and stop.
            reason = "unknown_tenant" if isinstance(exc, HTTPNotFound) else exc.code
            log.warning("task %s skipped for tenant %r: %s", self.name, slug, reason)
        return None


def tenant_task(**options):
    """Declare a task that runs for one tenant: ``run(request, *args, **kwargs)``.

    Registered on every PraxCloud Celery app (web, worker, beat) the way
    Celery's ``shared_task`` is; the module defining it must be imported at
    start-up (a plugin imports its tasks module from its plugin module).
    """
    return shared_task(base=TenantTask, **options)


def platform_task(**options):
    """Declare a task without a tenant; it gets ``self`` (a :class:`PlatformTask`) first."""
    options.setdefault("bind", True)
    return shared_task(base=PlatformTask, **options)


def resolve_task(app: celery.Celery, task) -> celery.Task:
    """The task registered under ``task``'s name on ``app`` (a task, its proxy, or a name)."""
    name = task if isinstance(task, str) else task.name
    try:
        return app.tasks[name]
    except KeyError:
        raise LookupError(f"no task named {name!r} is registered") from None


# Choosing tenants -------------------------------------------------------
def active_tenant_slugs(registry) -> list[str]:
    """Slugs of every active tenant, in order."""
    with registry.tenancy.platform_session() as platform_db:
        return list(platform_db.scalars(
            select(Tenant.slug).where(Tenant.status == TENANT_ACTIVE).order_by(Tenant.slug)
        ))


def tenants_with_plugin(registry, name: str) -> list[str]:
    """Slugs of the active tenants whose contract enables plugin ``name``."""
    with registry.tenancy.platform_session() as platform_db:
        return list(platform_db.scalars(
            select(Tenant.slug)
            .join(TenantPlugin, TenantPlugin.tenant_id == Tenant.id)
            .where(Tenant.status == TENANT_ACTIVE, TenantPlugin.plugin == name)
            .order_by(Tenant.slug)
        ))


# Sending from web requests --------------------------------------------------
def enqueue(request, task, *args, **kwargs) -> None:
    """Send ``task(*args, **kwargs)`` once the request's transaction commits.

    Nothing is sent when the transaction aborts. A broker that fails after
    the commit cannot undo it: the failure is logged with the task's name.
    """
    bound = resolve_task(request.registry.celery_app, task)

    def send_if_committed(committed: bool) -> None:
        if not committed:
            log.debug("task %s not sent: the transaction was rolled back", bound.name)
            return
        try:
            bound.apply_async(args, kwargs)
        except Exception:
            log.exception("task %s could not be sent after commit", bound.name)

    request.tm.get().addAfterCommitHook(send_if_committed)


def commit_batch(request) -> None:
    """Commit the work done so far and go on in a new transaction (batched tasks)."""
    request.tm.commit()
    request.tm.begin()


# The core's own periodic work ----------------------------------------------
def delete_in_batches(request, model, condition) -> int:
    """Delete ``model`` rows matching ``condition``, committing every batch; return the count.

    Idempotent and resumable: a run that stops half-way has committed
    whole batches, and the next run deletes what is left.
    """
    db = request.tenant_db
    total = 0
    while True:
        ids = list(db.scalars(
            select(model.id).where(condition).order_by(model.id).limit(PURGE_BATCH_SIZE)
        ))
        if not ids:
            return total
        db.execute(delete(model).where(model.id.in_(ids)), execution_options={
            "synchronize_session": False})
        total += len(ids)
        commit_batch(request)
        if len(ids) < PURGE_BATCH_SIZE:
            return total


@tenant_task(name="praxcloud.core.tasks.purge_expired_tenant")
def purge_expired_tenant(request) -> dict[str, int]:
    """Delete one tenant's dead sessions, used or expired MFA challenges and reset links."""
    now = utcnow()
    policy = SessionPolicy.from_tenant_settings(request.tenant.settings)
    cutoff = now - SESSION_RETENTION
    counts = {
        "auth_sessions": delete_in_batches(request, AuthSession, or_(
            AuthSession.expires_at < cutoff,
            AuthSession.revoked_at < cutoff,
            AuthSession.last_seen_at < cutoff - policy.idle,
        )),
        "login_challenges": delete_in_batches(request, LoginChallenge, or_(
            LoginChallenge.used_at.is_not(None), LoginChallenge.expires_at < now,
        )),
        "password_resets": delete_in_batches(request, PasswordReset, or_(
            PasswordReset.used_at.is_not(None), PasswordReset.expires_at < now,
        )),
    }
    log.info("purged expired rows of tenant %s: %s", request.tenant.slug,
             ", ".join(f"{table}={count}" for table, count in counts.items()))
    return counts


@platform_task(name="praxcloud.core.tasks.purge_expired")
def purge_expired(self) -> int:
    """Hourly: one :func:`purge_expired_tenant` per active tenant."""
    sent = self.fan_out(purge_expired_tenant, active_tenant_slugs(self.registry))
    log.info("purge_expired: sent to %d tenants", sent)
    return sent


# Beat entries of the core itself; plugins add theirs through
# praxcloud_periodic_tasks (assembled in praxcloud/worker.py).
CORE_PERIODIC_TASKS: dict[str, dict[str, Any]] = {
    "purge_expired": {
        "task": "praxcloud.core.tasks.purge_expired", "schedule": dt.timedelta(hours=1),
    },
}


def includeme(config) -> None:
    from . import field_moves, key_rotation  # noqa: F401 - register their tasks everywhere
    from .celery_app import make_celery_app

    config.registry.celery_app = make_celery_app(config.registry)
    config.add_request_method(enqueue, "enqueue")
