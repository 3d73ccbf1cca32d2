"""The daily check: rotate a data key nearing its limit, finish an interrupted rotation.

The periodic task fans out one tenant task per tenant that enables the
plugin: a tenant whose enabling, disabling or field-list change stopped
half-way has its values moved to the end (a disabled plugin then leaves the
contract); a tenant with a decrypt-only key (a rotation that stopped half-way)
has it finished; one whose active key has made ``rotate_after_encryptions``
encryptions gets a new key and its values re-encrypted.
"""

from __future__ import annotations

import datetime as dt
import logging

from praxcloud.plugin import (
    data_key_status,
    finish_field_moves,
    finish_key_rotation,
    platform_task,
    rotate_data_keys,
    tenant_task,
    tenants_with_plugin,
)

from .codecs import settings_of
from .config import NAME, PURPOSE

log = logging.getLogger(__name__)

SCHEDULE = dt.timedelta(days=1)


def check_tenant(registry, slug: str, rotate_after: int) -> str:
    """Finish a move, rotate or finish a rotation for one tenant as needed; says which
    ("moved", "rotated", "finished", "ok")."""
    if finish_field_moves(registry, slug):
        log.warning("field_encryption: finished tenant %s's interrupted move of values", slug)
        return "moved"
    keys = data_key_status(registry, slug, PURPOSE)
    if any(key["state"] == "decrypt_only" for key in keys):
        log.warning("field_encryption: finishing tenant %s's interrupted key rotation", slug)
        finish_key_rotation(registry, slug)
        return "finished"
    active = [key for key in keys if key["state"] == "active"]
    if active and active[0]["encryptions"] >= rotate_after:
        log.warning("field_encryption: tenant %s's data key made %d encryptions; rotating",
                    slug, active[0]["encryptions"])
        rotate_data_keys(registry, slug)
        return "rotated"
    return "ok"


@tenant_task(name="plugins.field_encryption.tasks.check_keys_tenant")
def check_keys_tenant(request) -> str:
    rotate_after = settings_of(request.tenant)["rotate_after_encryptions"]
    outcome = check_tenant(request.registry, request.tenant.slug, rotate_after)
    if outcome != "ok":
        event = "values_moved" if outcome == "moved" else f"key_{outcome}"
        request.audit.record(f"field_encryption.{event}", actor="platform")
    return outcome


@platform_task(name="plugins.field_encryption.tasks.check_keys")
def check_keys(self) -> int:
    """Daily: one :func:`check_keys_tenant` per tenant that enables the plugin."""
    return self.fan_out(check_keys_tenant, tenants_with_plugin(self.registry, NAME))


PERIODIC_TASKS = {"check_keys": {"task": "plugins.field_encryption.tasks.check_keys",
                                 "schedule": SCHEDULE}}
