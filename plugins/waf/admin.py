"""What the administrators' page and API and the operators' page share: incidents, the
blacklist and its changes (``request`` is the tenant's, or an operator's tenant request)."""

from __future__ import annotations

import datetime as dt
import ipaddress

from sqlalchemy import func, select

from praxcloud.plugin import tenant_shared_state

from .config import NAME
from .gate import BLACKLIST
from .models import Incident

RECENT = 100


def recent_incidents(request, limit: int = RECENT) -> list[Incident]:
    return list(request.tenant_db.scalars(
        select(Incident).order_by(Incident.at.desc(), Incident.id.desc()).limit(limit)))


def incident_count(request) -> int:
    return request.tenant_db.scalar(select(func.count(Incident.id))) or 0


def blacklist(request) -> list[tuple[str, dt.datetime]]:
    members = tenant_shared_state(request, NAME).members(BLACKLIST)
    return sorted((address, dt.datetime.fromtimestamp(expires, dt.UTC))
                  for address, expires in members.items())


def valid_address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def add(request, address: str, hours: float) -> None:
    tenant_shared_state(request, NAME).add_to_set(BLACKLIST, address, hours * 3600)
    request.audit.record(f"{NAME}.blacklist_add", details={"address": address, "hours": hours})


def remove(request, address: str) -> bool:
    state = tenant_shared_state(request, NAME)
    removed = state.remove_from_set(BLACKLIST, address)
    state.delete(f"strikes:{address}")
    request.audit.record(f"{NAME}.blacklist_remove", details={"address": address,
                                                             "was_listed": removed})
    return removed
