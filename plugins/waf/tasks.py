"""Incidents are kept ``incident_retention_days`` (90), then deleted by a daily task.

The periodic task (``praxcloud_periodic_tasks``) fans out one tenant task per
tenant that enables the plugin; each deletes that tenant's older incidents in
committed batches, so a run that stops half-way is finished by the next.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from praxcloud.plugin import delete_in_batches, platform_task, tenant_task, tenants_with_plugin

from .config import NAME, tenant_settings
from .models import Incident

log = logging.getLogger(__name__)

SCHEDULE = dt.timedelta(days=1)
# Epoch seconds; a test puts praxcloud.testing's FakeClock here.
clock = time.time


def prune(request) -> int:
    """Delete the request tenant's incidents older than its retention; return how many."""
    days = tenant_settings(request)["incident_retention_days"]
    cutoff = dt.datetime.fromtimestamp(clock(), dt.UTC) - dt.timedelta(days=days)
    return delete_in_batches(request, Incident, Incident.at < cutoff)


@tenant_task(name="plugins.waf.tasks.prune_incidents_tenant")
def prune_incidents_tenant(request) -> int:
    deleted = prune(request)
    log.info("waf: %d incidents of tenant %s past their retention deleted", deleted,
             request.tenant.slug)
    return deleted


@platform_task(name="plugins.waf.tasks.prune_incidents")
def prune_incidents(self) -> int:
    """Daily: one :func:`prune_incidents_tenant` per tenant that enables the plugin."""
    return self.fan_out(prune_incidents_tenant, tenants_with_plugin(self.registry, NAME))


PERIODIC_TASKS = {"prune_incidents": {"task": "plugins.waf.tasks.prune_incidents",
                                      "schedule": SCHEDULE}}
