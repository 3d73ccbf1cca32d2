"""Personal-data records: the service behind the console and the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from .models import Record, utcnow

EDITABLE = ("name", "email", "phone", "date_of_birth", "notes", "fields")
MAX_PER_PAGE = 200


@dataclass
class Page:
    items: list[Record]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(tenant_db, query: str | None, page: int, per_page: int) -> Page:
    statement = select(Record)
    if query:
        statement = statement.where(
            Record.name.ilike(f"%{_escape_like(query.strip())}%", escape="\\"))
    total = tenant_db.scalar(select(func.count()).select_from(statement.subquery()))
    items = list(tenant_db.scalars(
        statement.order_by(Record.name, Record.id).limit(per_page).offset((page - 1) * per_page)))
    return Page(items, page, per_page, total or 0)


def _coerce(values: dict) -> dict:
    result = {}
    for key in EDITABLE:
        if key not in values:
            continue
        value = values[key]
        if key == "date_of_birth" and isinstance(value, str):
            value = dt.date.fromisoformat(value) if value else None
        elif key in ("email", "phone") and isinstance(value, str):
            value = value.strip() or None
        elif key in ("name", "notes") and isinstance(value, str):
            value = value.strip() if key == "name" else value
        result[key] = value
    return result


def create(tenant_db, values: dict) -> Record:
    now = utcnow()
    record = Record(**{"notes": "", "fields": {}, **_coerce(values)},
                    created_at=now, updated_at=now, last_activity_at=now)
    tenant_db.add(record)
    tenant_db.flush()
    return record


def update(tenant_db, record: Record, values: dict) -> Record:
    for key, value in _coerce(values).items():
        setattr(record, key, value)
    record.updated_at = record.last_activity_at = utcnow()
    tenant_db.flush()
    return record
