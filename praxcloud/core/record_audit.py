"""Who created, changed, deleted, viewed and searched which personal-data record.

The console and the API call these around the ``records`` service, so both
write the same events. Each names the record by id (an ``audit_subjects``
row, what the data subject access report looks up) and by a display value,
its name, which follows the field codec like every display value in the
trail. A change lists the fields that changed, never their values. A list
or search page is one event whatever its length: the records shown are its
subjects, written in one INSERT (see ``bench/audit_views.py``). Views and
searches change nothing but the trail: they are written in batches off the
request's path (:mod:`.audit_writer`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from .audit import RECORD
from .models import Record
from .records import EDITABLE


def created(request, record: Record) -> None:
    request.audit.record("record.create", target=record.name, subjects=[(RECORD, record.id)],
                         details={"record_id": record.id,
                                  "fields": _filled_fields(record)})


def deleted(request, record_id: int, name: str) -> None:
    request.audit.record("record.delete", target=name, subjects=[(RECORD, record_id)],
                         details={"record_id": record_id})


def viewed(request, record: Record) -> None:
    request.audit.record("record.view", target=record.name, subjects=[(RECORD, record.id)],
                         details={"record_id": record.id}, batched=True)


def listed(request, shown: Sequence[Record], *, query: str | None, page: int,
           total: int) -> None:
    """One event for a page of records: a search names what was searched for."""
    details = {"page": page, "shown": len(shown), "total": total}
    subjects = [(RECORD, record.id) for record in shown]
    if query:
        request.audit.record("record.search", target=query, details=details, subjects=subjects,
                             batched=True)
    else:
        request.audit.record("record.list", details=details, subjects=subjects, batched=True)


@contextmanager
def changes(request, record: Record) -> Iterator[None]:
    """Audit the fields of ``record`` that the block changes (names only)."""
    before = _snapshot(record)
    yield
    after = _snapshot(record)
    changed = sorted(key for key in before.keys() | after.keys()
                     if before.get(key) != after.get(key))
    request.audit.record("record.update", target=record.name, subjects=[(RECORD, record.id)],
                         details={"record_id": record.id, "fields": changed})


def _snapshot(record: Record) -> dict:
    values = {key: getattr(record, key) for key in EDITABLE if key != "fields"}
    # Free fields are named one by one: "fields.allergies", never their values.
    for key, value in (record.fields or {}).items():
        values[f"fields.{key}"] = value
    return values


def _filled_fields(record: Record) -> list[str]:
    return sorted(key for key, value in _snapshot(record).items() if value not in (None, ""))
