"""The daily run: every tenant that enables the plugin has its policy applied.

The periodic task (``praxcloud_periodic_tasks``) fans out one tenant task
per enabling tenant. A tenant whose current policy has not had a dry run
is not anonymised: the refusal is recorded (a run with status ``refused``
and a failed ``anonymiser.run`` audit event) and the next day asks again.
A run killed half-way is finished by the next: only rows not yet
anonymised are selected.
"""

from __future__ import annotations

import datetime as dt
import logging

from praxcloud.plugin import platform_task, tenant_task, tenants_with_plugin

from . import policy
from .config import NAME

log = logging.getLogger(__name__)

SCHEDULE = dt.timedelta(days=1)


@tenant_task(name="plugins.anonymiser.tasks.anonymise_tenant")
def anonymise_tenant(request) -> dict:
    try:
        run = policy.run(request, "task")
    except policy.DryRunRequired as exc:
        log.warning("anonymiser: tenant %s not anonymised: %s", request.tenant.slug, exc.message)
        return {"status": "refused", "records": 0}
    return {"status": run.status, "records": run.records}


@platform_task(name="plugins.anonymiser.tasks.anonymise")
def anonymise(self) -> int:
    """Daily: one :func:`anonymise_tenant` per tenant that enables the plugin."""
    return self.fan_out(anonymise_tenant, tenants_with_plugin(self.registry, NAME))


PERIODIC_TASKS = {"anonymise": {"task": "plugins.anonymiser.tasks.anonymise",
                                "schedule": SCHEDULE}}
