"""Personal-data records: the service behind the console and the API."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import DateTime, bindparam, func, select, type_coerce

from . import record_rules
from .errors import ApiError
from .fields import codecs_of, decoded_rows
from .models import Record, utcnow
from .models.types import UTCDateTime
from .search import like_pattern

EDITABLE = ("name", "email", "phone", "date_of_birth", "notes", "fields")
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200


class RecordInvalid(ApiError):
    """Values that cannot make a record; ``fields`` names each, in ``record_rules``' words."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("validation_failed", "the record is not valid", 422, fields)


@dataclass
class Page:
    items: list[Record]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


# The table's columns, not the mapped attributes: a statement that names the
# latter goes through the ORM's compile and loading even when it selects rows.
_RECORDS = Record.__table__
# Statements built once for the requests that read: one built per request
# cost about as much to build and to key for the compiled-statement cache as
# to run (SQLAlchemy keeps the cache key on the statement object); their
# values are bound per execution anyway.
_NAME_MATCHES = _RECORDS.c.name.ilike(bindparam("pattern"), escape="\\")
_COUNT = select(func.count()).select_from(_RECORDS)
_COUNT_MATCHING = _COUNT.where(_NAME_MATCHES)


def _pattern(query: str | None) -> str | None:
    """The LIKE pattern of a search box's text (None: no search)."""
    return like_pattern(query.strip()) if query else None


def _count(tenant_db, pattern: str | None) -> int:
    if pattern is not None:
        return tenant_db.scalar(_COUNT_MATCHING, {"pattern": pattern}) or 0
    return tenant_db.scalar(_COUNT) or 0


def _name_encoded(tenant_db) -> bool:
    return codecs_of(tenant_db).is_encoded(Record, "name")


def _encoded_name_matches(tenant_db, query: str):
    """An encoded name is searched by whole words, through its token index."""
    return codecs_of(tenant_db).words(Record, "name", query.strip())


def search(tenant_db, query: str | None, page: int, per_page: int) -> Page:
    """A page of records as ORM objects (the console, which may change them)."""
    pattern = _pattern(query)
    statement = select(Record)
    if _name_encoded(tenant_db):
        # Ciphertext has no order: records in the order they were made.
        count = select(func.count()).select_from(_RECORDS)
        if pattern is not None:
            matches = _encoded_name_matches(tenant_db, query)
            statement, count = statement.where(matches), count.where(matches)
        items = list(tenant_db.scalars(
            statement.order_by(Record.id).limit(per_page).offset((page - 1) * per_page)))
        return Page(items, page, per_page, tenant_db.scalar(count) or 0)
    if pattern is not None:
        statement = statement.where(_NAME_MATCHES).params(pattern=pattern)
    items = list(tenant_db.scalars(
        statement.order_by(Record.name, Record.id).limit(per_page).offset((page - 1) * per_page)))
    return Page(items, page, per_page, _count(tenant_db, pattern))


# Reading for an answer, not for a change: Core rows, no ORM object per record;
# the times as stored (naive UTC), not made aware value by value.
# The token index of an encoded name is the field layer's, never an answer's.
INTERNAL_COLUMNS = frozenset({"name_tokens"})
_READ = select(*[type_coerce(column, DateTime).label(column.key)
                 if isinstance(column.type, UTCDateTime) else column
                 for column in _RECORDS.c if column.key not in INTERNAL_COLUMNS])


# The API's statements, built once (with the counts above).
_PAGE = (_READ.order_by(_RECORDS.c.name, _RECORDS.c.id)
         .limit(bindparam("limit")).offset(bindparam("offset")))
_PAGE_MATCHING = _PAGE.where(_NAME_MATCHES)
# An encoded name has no order: records in the order they were made.
_PAGE_BY_ID = (_READ.order_by(_RECORDS.c.id)
               .limit(bindparam("limit")).offset(bindparam("offset")))
_ONE = _READ.where(_RECORDS.c.id == bindparam("record_id"))


def read_page(tenant_db, query: str | None, page: int, per_page: int) -> Page:
    """A page of records as read-only rows with the records' attributes (the API);
    their times are naive UTC.

    A page of 50 ORM objects cost more than the rest of the request; rows
    cost a tuple each, and the field codecs, if any, are applied to the page
    at once (:func:`.fields.decoded_rows`).
    """
    pattern = _pattern(query)
    values = {"limit": per_page, "offset": (page - 1) * per_page}
    if _name_encoded(tenant_db):
        if pattern is None:
            rows = tenant_db.execute(_PAGE_BY_ID, values).all()
            return Page(decoded_rows(tenant_db, Record, rows), page, per_page,
                        _count(tenant_db, None))
        # The words' tokens are the statement's own: built per search.
        matches = _encoded_name_matches(tenant_db, query)
        rows = tenant_db.execute(_PAGE_BY_ID.where(matches), values).all()
        return Page(decoded_rows(tenant_db, Record, rows), page, per_page,
                    tenant_db.scalar(_COUNT.where(matches)) or 0)
    if pattern is not None:
        values["pattern"] = pattern
    rows = tenant_db.execute(_PAGE_MATCHING if pattern is not None else _PAGE, values).all()
    return Page(decoded_rows(tenant_db, Record, rows), page, per_page, _count(tenant_db, pattern))


def read_one(tenant_db, record_id: int):
    """One record as a read-only row, or None."""
    row = tenant_db.execute(_ONE, {"record_id": record_id}).first()
    return None if row is None else decoded_rows(tenant_db, Record, [row])[0]


def check(values: dict, creating: bool) -> dict:
    """``values`` ready to store, or RecordInvalid naming each bad field (``record_rules``)."""
    cleaned, problems = record_rules.clean(values, creating)
    if problems:
        raise RecordInvalid(problems)
    return cleaned


def create(tenant_db, values: dict) -> Record:
    values = check(values, creating=True)
    now = utcnow()
    record = Record(**{"notes": "", "fields": {}, **values},
                    created_at=now, updated_at=now, last_activity_at=now)
    tenant_db.add(record)
    tenant_db.flush()
    return record


def update(tenant_db, record: Record, values: dict) -> Record:
    values = check(values, creating=False)
    for key, value in values.items():
        setattr(record, key, value)
    record.updated_at = record.last_activity_at = utcnow()
    tenant_db.flush()
    return record


def delete(tenant_db, record: Record) -> None:
    tenant_db.delete(record)
    tenant_db.flush()
