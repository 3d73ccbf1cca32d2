"""The retention policy applied: records without activity for ``retention_days`` anonymised.

A dry run counts what a real run would change (per field, with a few
sample ids) and changes nothing; a real run is refused until a dry run
has been seen for the current version of the policy (its settings'
digest), so the first run of any new policy has been looked at first.

A real run works in batches of primary keys, one transaction each: the
batch's ids are selected in id order (locked ``FOR UPDATE`` on PostgreSQL
when fields are written row by row), fields that need the field codec (a
text written on an encrypted field) or, on SQLite, each row's value
(``mask``) are computed row by row, through the session's codecs as the
ORM's field layer would, and written by primary key; then one set-based
UPDATE over the batch's id range writes every other field together with
``anonymised_at`` (a mask with ``regexp_replace`` on PostgreSQL). Only
rows with ``anonymised_at IS NULL`` are ever selected, so a rerun changes
nothing, and a worker killed during a batch leaves that batch untouched
(its transaction never committed): no row is ever half-anonymised.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import (
    JSON,
    Integer,
    String,
    Text,
    and_,
    bindparam,
    cast,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY

from praxcloud.plugin import (
    PraxError,
    Record,
    commit_batch,
    stored_field_codecs,
    utcnow,
    write_durably,
)

from . import accounts
from .config import NAME, STRATEGIES, policy_version, strategies, tenant_settings
from .models import DONE, DRY_RUN, REAL_RUN, REFUSED, RUNNING, Run

log = logging.getLogger(__name__)

BATCH_SIZE = 5000
SAMPLE_SIZE = 10
# Seconds to sleep inside each batch's transaction, between its row-by-row
# writes and its set-based UPDATE: what the test that kills a worker needs.
PAUSE_ENV = "PRAXCLOUD_ANONYMISER_PAUSE_SECONDS"
# Epoch seconds; a test puts praxcloud.testing's FakeClock here.
clock = time.time


class DryRunRequired(PraxError):
    code = "dry_run_required"
    status = 409

    def __init__(self, version: str):
        super().__init__(f"no dry run has been seen for policy version {version}: run a dry "
                         f"run first and read its report")
        self.version = version


# What a mask keeps: ASCII punctuation and white space (separators). Every other
# character (letters and digits of any script) becomes "*".
KEPT_BY_MASK = frozenset(string.punctuation + string.whitespace)
# The same on PostgreSQL, set-based: each kept character escaped in a bracket expression.
_MASKED_PATTERN = "[^" + "".join(
    ch if ch in string.whitespace else "\\" + ch for ch in sorted(KEPT_BY_MASK)) + "]"


def mask(value: str | None) -> str | None:
    """The first character, then ``*`` for every character but ASCII punctuation and white
    space: ``+64 21 555 0199`` becomes ``+** ** *** ****``."""
    if not value:
        return value
    return value[0] + "".join(ch if ch in KEPT_BY_MASK else "*" for ch in value[1:])


def _masked(column):
    """:func:`mask` in SQL (PostgreSQL)."""
    return func.left(column, 1).op("||")(
        func.regexp_replace(func.substr(column, 2), _MASKED_PATTERN, "*", "g"))


# What ``null`` writes into a field that may not be NULL.
EMPTY = {"name": "", "notes": "", "fields": {}}


@dataclass
class Plan:
    """How each field of a batch is written: set-based, or row by row (through the codecs)."""

    set_based: dict[str, object] = field(default_factory=dict)
    row_by_row: dict[str, Callable] = field(default_factory=dict)


def plan_for(db, settings: dict) -> Plan:
    codecs = stored_field_codecs(db)
    replacement = settings["replacement"]
    postgresql = db.get_bind().dialect.name == "postgresql"
    plan = Plan()
    for name, strategy in strategies(settings).items():
        encoded = codecs.is_encoded(Record, name)
        if strategy == "null":
            value = EMPTY.get(name)
            if value is not None and encoded:
                # An empty value is encoded too: the field's codec reads no plain value.
                plan.row_by_row[name] = lambda _old, empty=value: empty
            else:
                plan.set_based[name] = value
        elif strategy == "replace":
            if encoded:
                plan.row_by_row[name] = lambda _old, text=replacement: text
            else:
                plan.set_based[name] = replacement
        elif strategy == "mask":
            if encoded or not postgresql:
                plan.row_by_row[name] = mask
            else:
                plan.set_based[name] = _masked(getattr(Record, name))
        elif strategy == "year":
            if encoded:
                plan.row_by_row[name] = first_of_year
            else:
                plan.set_based[name] = _year_of(Record.date_of_birth)
        else:  # pragma: no cover - the settings schema allows no other
            raise ValueError(f"unknown strategy {strategy!r}")
    if "name" in plan.set_based or "name" in plan.row_by_row:
        # An encrypted name's word index (field_encryption) would still find the
        # record by its old name: it goes with the name.
        plan.set_based["name_tokens"] = None
    return plan


def _write_row_by_row(db, plan: Plan, batch) -> None:
    """The fields whose new value is computed per row, for every row of the batch.

    Read and written as the field layer would (decoded with the session's
    codec, the new value encoded with it), by primary key: an executemany
    UPDATE on SQLite, one ``UPDATE ... FROM unnest(...)`` on PostgreSQL
    (bench/anonymise.py --mask-phone measures it), where loading and flushing
    each row as an ORM object, or an executemany UPDATE, cost many times more.
    """
    codecs = stored_field_codecs(db)
    names = list(plan.row_by_row)
    records = Record.__table__
    changes = []
    for row in db.execute(select(records.c.id, *[records.c[name] for name in names])
                          .where(batch)):
        change = {"_id": row[0]}
        for name, stored in zip(names, row[1:], strict=True):
            codec = codecs.get(Record, name)
            # The core's codecs take the row's id: values are bound to their row.
            old = codec.decode(stored, row[0]) if codec is not None and stored is not None \
                else stored
            new = plan.row_by_row[name](old)
            change[name] = codec.encode(new, row[0]) if codec is not None and new is not None \
                else new
        changes.append(change)
    if not changes:
        return
    connection = db.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(update(records).where(records.c.id == bindparam("_id"))
                           .values({name: bindparam(name) for name in names}), changes)
        return
    # psycopg2 sends an executemany UPDATE one row per round trip: one UPDATE ... FROM
    # unnest(arrays) for the batch instead, one array parameter per column.
    rows = func.unnest(
        bindparam("_ids", type_=ARRAY(Integer)),
        *[bindparam(f"new_{name}", type_=ARRAY(Text)) for name in names],
    ).table_valued("_id", *names).render_derived(name="anonymised")
    connection.execute(
        update(records).where(records.c.id == rows.c._id)
        .values({name: _as_column(records.c[name], rows.c[name]) for name in names}),
        {"_ids": [change["_id"] for change in changes],
         **{f"new_{name}": [change[name] for change in changes] for name in names}})


def _as_column(column, text_value):
    """``text_value`` (a text array's element) as ``column`` takes it: a JSON column
    takes an encoded value as the JSON string it is."""
    return func.to_json(text_value) if isinstance(column.type, JSON) else text_value


def first_of_year(date: dt.date | None) -> dt.date | None:
    return None if date is None else date.replace(month=1, day=1)


def _year_of(column):
    # The date is stored as ISO text (SealableDate): its first four characters are the year.
    return cast(func.substr(column, 1, 4), String) + "-01-01"


def policy_now() -> dt.datetime:
    """The policy's present (the plugin's clock), which cutoffs are counted from."""
    return dt.datetime.fromtimestamp(clock(), dt.UTC)


def cutoff_of(settings: dict) -> dt.datetime:
    return policy_now() - dt.timedelta(days=settings["retention_days"])


def eligible(cutoff: dt.datetime):
    return and_(Record.anonymised_at.is_(None), Record.last_activity_at < cutoff)


def _field_counts(db, condition) -> tuple[int, dict[str, int]]:
    """Rows matching, and per field the rows with something in it to anonymise."""
    columns = [getattr(Record, name) for name in STRATEGIES]
    row = db.execute(select(func.count(), *[func.count(column) for column in columns])
                     .where(condition)).one()
    return row[0], dict(zip(STRATEGIES, row[1:], strict=True))


def dry_run(request, trigger: str) -> Run:
    """Count what a real run would change now; record the report; change no record."""
    settings = tenant_settings(request)
    db = request.tenant_db
    cutoff = cutoff_of(settings)
    condition = eligible(cutoff)
    records, counts = _field_counts(db, condition)
    if accounts.enabled(settings):
        counts["users"] = accounts.count(db, settings, policy_now())
    sample = list(db.scalars(select(Record.id).where(condition).order_by(Record.id)
                             .limit(SAMPLE_SIZE)))
    now = utcnow()
    run = Run(kind=DRY_RUN, status=DONE, policy_version=policy_version(settings),
              trigger=trigger, started_at=now, finished_at=now, cutoff=cutoff, records=records,
              counts=counts, sample_ids=sample)
    db.add(run)
    db.flush()
    request.audit.record(f"{NAME}.dry_run", details={
        "run_id": run.id, "policy_version": run.policy_version, "records": records,
        "counts": counts})
    return run


def dry_run_seen(db, version: str) -> bool:
    return db.scalar(select(Run.id).where(Run.kind == DRY_RUN, Run.policy_version == version)
                     .limit(1)) is not None


def latest_dry_run(db, version: str) -> Run | None:
    return db.scalar(select(Run).where(Run.kind == DRY_RUN, Run.policy_version == version)
                     .order_by(Run.id.desc()).limit(1))


def eligible_count(request) -> int:
    settings = tenant_settings(request)
    return request.tenant_db.scalar(
        select(func.count()).select_from(Record).where(eligible(cutoff_of(settings))))


def require_dry_run(request, trigger: str) -> None:
    """Refuse (:func:`refuse`) unless a dry run of the current policy was seen."""
    if not dry_run_seen(request.tenant_db, policy_version(tenant_settings(request))):
        refuse(request, trigger)


def refuse(request, trigger: str) -> None:
    """Record that a real run was refused for want of a dry run, and raise."""
    settings = tenant_settings(request)
    version = policy_version(settings)
    now = utcnow()
    refused = Run(kind=REAL_RUN, status=REFUSED, policy_version=version, trigger=trigger,
                  started_at=now, finished_at=now, cutoff=cutoff_of(settings), records=0,
                  counts={}, sample_ids=[])
    # Kept whatever becomes of the caller's transaction, which the refusal ends.
    write_durably(request, lambda session: session.add(refused))
    request.audit.record(f"{NAME}.run", outcome="failure", durable=True, details={
        "policy_version": version, "reason": "dry_run_required"})
    raise DryRunRequired(version)


def run(request, trigger: str, batch_size: int = BATCH_SIZE,
        progress: Callable[[int], None] | None = None) -> Run:
    """Anonymise every eligible record, one committed transaction per batch.

    Raises :class:`DryRunRequired` (after committing the refusal) when no dry
    run was seen for the current policy. Returns the finished run.
    """
    settings = tenant_settings(request)
    version = policy_version(settings)
    db = request.tenant_db
    require_dry_run(request, trigger)
    cutoff = cutoff_of(settings)
    condition = eligible(cutoff)
    plan = plan_for(db, settings)
    pause = float(os.environ.get(PAUSE_ENV) or 0)
    started = Run(kind=REAL_RUN, status=RUNNING, policy_version=version, trigger=trigger,
                  cutoff=cutoff, records=0, counts={}, sample_ids=[])
    db.add(started)
    db.flush()
    run_id = started.id
    commit_batch(request)

    total = 0
    counts = dict.fromkeys(STRATEGIES, 0)
    last_id = 0
    columns = [getattr(Record, name) for name in STRATEGIES]
    while True:
        # The batch's ids, and which of its fields hold something, in one statement;
        # locked when rows are also written one by one, so that the set-based UPDATE
        # meets exactly the rows written one by one (a concurrent edit waits).
        batch_rows = select(Record.id, *[column.is_not(None) for column in columns]).where(
            condition, Record.id > last_id).order_by(Record.id).limit(batch_size)
        if plan.row_by_row:
            batch_rows = batch_rows.with_for_update()
        rows = db.execute(batch_rows).all()
        if not rows:
            break
        ids = [row[0] for row in rows]
        batch = and_(condition, Record.id.between(ids[0], ids[-1]))
        batch_counts = {name: sum(1 for row in rows if row[i + 1])
                        for i, name in enumerate(STRATEGIES)}
        if plan.row_by_row:
            _write_row_by_row(db, plan, batch)
        if pause:
            time.sleep(pause)
        done = db.execute(update(Record).where(batch)
                          .values(**plan.set_based, anonymised_at=utcnow()),
                          execution_options={"synchronize_session": False}).rowcount
        total += done
        for name, count in batch_counts.items():
            counts[name] += count
        db.execute(update(Run).where(Run.id == run_id).values(records=total, counts=counts))
        commit_batch(request)
        last_id = ids[-1]
        if progress is not None:
            progress(done)
        if len(ids) < batch_size:
            break

    if accounts.enabled(settings):
        counts["users"] = 0
        last_id, moment = 0, policy_now()
        while True:
            done, last_id = accounts.anonymise_batch(db, settings, moment, last_id, batch_size)
            if not done:
                break
            counts["users"] += done
            db.execute(update(Run).where(Run.id == run_id).values(counts=counts))
            commit_batch(request)

    db.execute(update(Run).where(Run.id == run_id).values(
        status=DONE, finished_at=utcnow(), records=total, counts=counts))
    request.audit.record(f"{NAME}.run", details={
        "run_id": run_id, "policy_version": version, "records": total, "counts": counts})
    log.info("anonymiser: %d records of tenant %s anonymised (policy %s)", total,
             request.tenant.slug, version)
    return db.get(Run, run_id)


def last_runs(db, limit: int = 20) -> list[Run]:
    return list(db.scalars(select(Run).order_by(Run.id.desc()).limit(limit)))
