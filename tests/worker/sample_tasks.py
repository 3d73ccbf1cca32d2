"""Tasks the worker tests run: each leaves a trace the test can read back."""

from __future__ import annotations

from sqlalchemy import select

from praxcloud.core.models import Record
from praxcloud.core.tasks import platform_task, tenant_task

# What tests.worker.remember was called with, in order (eager runs only).
REMEMBERED: list[str] = []


@tenant_task(name="tests.worker.add_record")
def add_record(request, name: str) -> str:
    request.tenant_db.add(Record(name=name))
    return name


@tenant_task(name="tests.worker.add_record_then_fail")
def add_record_then_fail(request, name: str) -> None:
    request.tenant_db.add(Record(name=name))
    request.tenant_db.flush()
    raise RuntimeError("the task failed after writing")


@tenant_task(name="tests.worker.copy_record")
def copy_record(request, source: str, name: str) -> str:
    """Write ``name`` only if ``source`` is visible: proves the sender committed first."""
    found = request.tenant_db.scalars(select(Record).where(Record.name == source)).first()
    if found is None:
        raise LookupError(f"record {source!r} is not visible to the task")
    request.tenant_db.add(Record(name=name))
    return name


@platform_task(name="tests.worker.remember")
def remember(self, value: str) -> str:
    REMEMBERED.append(value)
    return value


@platform_task(name="tests.worker.add_record_everywhere")
def add_record_everywhere(self, name: str) -> int:
    from praxcloud.core.tasks import active_tenant_slugs

    return self.fan_out(add_record, active_tenant_slugs(self.registry), args=(name,))


@tenant_task(name="tests.worker.task_context", bind=True)
def task_context(self, request, label: str) -> dict:
    """What a bound tenant task sees of itself and of its request."""
    return {"id": self.request.id, "args": list(self.request.args), "label": label,
            "tenant": request.tenant.slug}
