"""The right to be forgotten: one person erased everywhere in the tenant, at once.

A tenant administrator names the person by a record or by an e-mail
address. In one transaction (the request's): every plugin the tenant
enables erases its own rows about them (``praxcloud_erase_person``); their
open sessions are ended and deleted with their user account (with its
group memberships, sign-in challenges and reset links); the records about
them (the one named, and every record with their e-mail address) are
deleted; the audit trail keeps its events but loses every display value
and detail that could name them (events about them, events they did, and
the index of whose data each event touched). What remains is a receipt
with counts, the time and who asked: nothing about the person.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import column, delete, exists, func, or_, select, table, update
from sqlalchemy.orm import load_only

from praxcloud.plugin import (
    USERS_MANAGE,
    AuditEvent,
    Group,
    PraxError,
    Record,
    User,
    find_user_by_email,
    revoke_user_sessions,
    stored_field_codecs,
    utcnow,
)

from .config import NAME
from .models import Receipt

BY_RECORD = "record"
BY_EMAIL = "email"

# Tables of the core's that no model of the public API maps: named here as tables.
_SUBJECTS = table("audit_subjects", column("event_id"), column("kind"), column("ref_id"),
                  column("ref_key"))
_SESSIONS = table("auth_sessions", column("user_id"))
_USER_GROUPS = table("user_groups", column("user_id"), column("group_id"))
_SCAN_BATCH = 1000


class NothingToErase(PraxError):
    code = "not_found"
    status = 404
    message = "no record or user matches"


class LastManager(PraxError):
    code = "last_manager"
    status = 409
    message = ("the person is the tenant's last active user who may manage users; give "
               "someone else that permission first")


class CannotEraseSelf(PraxError):
    code = "cannot_erase_self"
    status = 409
    message = "you cannot erase your own account; ask another administrator"


def normalise(email: str | None) -> str | None:
    email = (email or "").strip().lower()
    return email or None


def records_with_email(db, email: str) -> list[int]:
    """Ids of the records holding ``email``: in SQL when stored plain, else decoded batch by
    batch (an encrypted field cannot be compared in SQL and has no blind index)."""
    if not stored_field_codecs(db).is_encoded(Record, "email"):
        return list(db.scalars(select(Record.id).where(
            func.lower(func.trim(Record.email)) == email).order_by(Record.id)))
    found, last_id = [], 0
    while True:
        rows = db.scalars(select(Record).options(load_only(Record.id, Record.email))
                          .where(Record.id > last_id, Record.email.is_not(None))
                          .order_by(Record.id).limit(_SCAN_BATCH)).all()
        if not rows:
            return found
        found.extend(row.id for row in rows if normalise(row.email) == email)
        last_id = rows[-1].id


def _email_keys(db, email: str) -> list[str]:
    """The digests under which the trail files an e-mail address naming no user (as the
    core files them: the users.email codec's blind index, else a SHA-256)."""
    keys = [hashlib.sha256(b"praxcloud-audit-email:" + email.encode()).hexdigest()]
    codec = stored_field_codecs(db).get(User, "email")
    if codec is not None:
        keys.append(codec.blind_index(email)[:64])
    return keys


@dataclass
class Person:
    """Whom an erasure names: what was given, and what it found."""

    mode: str
    email: str | None
    user: User | None
    record_ids: list[int] = field(default_factory=list)
    names: set[str] = field(default_factory=set)


def find_person(db, *, record_id: int | None = None, email: str | None = None) -> Person:
    """The person of record ``record_id`` or of address ``email``; :class:`NothingToErase`
    when neither names anything."""
    email = normalise(email)
    person = Person(mode=BY_EMAIL, email=email, user=None)
    if record_id is not None:
        record = db.get(Record, record_id)
        if record is None:
            raise NothingToErase("no record has that id")
        person.mode = BY_RECORD
        person.record_ids.append(record.id)
        person.email = email = normalise(record.email)
    if email:
        person.record_ids.extend(i for i in records_with_email(db, email)
                                 if i not in person.record_ids)
        person.user = find_user_by_email(db, email)
    if person.user is None and not person.record_ids:
        raise NothingToErase("no record or user has that e-mail address")
    if person.user is not None:
        person.names.add(person.user.display_name)
    # Whole records, not the column: an encrypted name is decoded only on loading.
    person.names.update(record.name for record in db.scalars(select(Record).where(
        Record.id.in_(person.record_ids))))
    person.names.discard("")
    return person


def erase(request, *, record_id: int | None = None, email: str | None = None,
          by: str, by_user_id: int | None = None) -> Receipt:
    """Erase the person of record ``record_id`` or of address ``email``; return the receipt.

    Raises :class:`NothingToErase` when neither names anything, and
    :class:`CannotEraseSelf` when the person is the one asking.
    """
    db = request.tenant_db
    person = find_person(db, record_id=record_id, email=email)
    if person.user is not None and by_user_id == person.user.id:
        raise CannotEraseSelf()
    if person.user is not None and _last_manager(db, person.user):
        raise LastManager()
    user, email, record_ids, names = person.user, person.email, person.record_ids, person.names
    mode = person.mode
    user_id = user.id if user is not None else None

    counts: dict = {"plugin_rows": {}}
    for answer in request.tenant_hooks.praxcloud_erase_person(
            request=request, email=email, user_id=user_id, record_ids=list(record_ids)):
        for name, count in (answer or {}).items():
            counts["plugin_rows"][name] = counts["plugin_rows"].get(name, 0) + int(count)

    counts["audit_events"] = scrub_trail(db, email, user_id, record_ids, names)
    if user_id is not None:
        counts["sessions"] = db.scalar(select(func.count()).select_from(_SESSIONS)
                                       .where(_SESSIONS.c.user_id == user_id))
        revoke_user_sessions(db, user_id)
        db.expunge(user)
        counts["users"] = db.execute(delete(User).where(User.id == user_id),
                                     execution_options={"synchronize_session": False}).rowcount
    else:
        counts["sessions"] = counts["users"] = 0
    if record_ids:
        for record in [db.get(Record, i) for i in record_ids]:
            if record is not None:
                db.expunge(record)
        counts["records"] = db.execute(delete(Record).where(Record.id.in_(record_ids)),
                                       execution_options={"synchronize_session": False}).rowcount
    else:
        counts["records"] = 0

    receipt = Receipt(at=utcnow(), by=by, by_user_id=by_user_id, mode=mode, counts=counts)
    db.add(receipt)
    db.flush()
    request.audit.record(f"{NAME}.erase", details={"receipt_id": receipt.id, "mode": mode,
                                                   "counts": counts})
    return receipt


def _last_manager(db, user: User) -> bool:
    if not user.is_active or USERS_MANAGE not in user.permissions:
        return False
    managing = [group_id for group_id, permissions in db.execute(select(Group.id,
                                                                         Group.permissions))
                if USERS_MANAGE in (permissions or ())]
    others = db.scalar(select(func.count()).select_from(User).where(
        User.id != user.id, User.is_active.is_(True), exists().where(
            _USER_GROUPS.c.user_id == User.id, _USER_GROUPS.c.group_id.in_(managing))))
    return not others


def scrub_trail(db, email: str | None, user_id: int | None, record_ids: list[int],
                 names: set[str]) -> int:
    """Blank what the trail says about the person; return how many events lost something."""
    about = []
    if record_ids:
        about.append((_SUBJECTS.c.kind == "record") & _SUBJECTS.c.ref_id.in_(record_ids))
    if user_id is not None:
        about.append((_SUBJECTS.c.kind == "user") & (_SUBJECTS.c.ref_id == user_id))
    if email:
        about.append((_SUBJECTS.c.kind == "email") & _SUBJECTS.c.ref_key.in_(
            _email_keys(db, email)))
    touched: set[int] = set()
    options = {"synchronize_session": False}
    if about:
        event_ids = set(db.scalars(select(_SUBJECTS.c.event_id).where(or_(*about))))
        if event_ids:
            db.execute(update(AuditEvent).where(AuditEvent.id.in_(event_ids))
                       .values(target=None, details={"erased": True}), execution_options=options)
            touched |= event_ids
        db.execute(delete(_SUBJECTS).where(or_(*about)), execution_options=options)
    codecs = stored_field_codecs(db)
    actor_sealed = codecs.is_encoded(AuditEvent, "actor")
    target_sealed = codecs.is_encoded(AuditEvent, "target")
    texts = {text.lower() for text in names | ({email} if email else set())}
    # Encrypted copies cannot be compared in SQL: read back and compared decoded.
    sealed_actor_ids, sealed_target_ids = _sealed_matches(
        db, email if actor_sealed else None, texts if target_sealed else set())
    done_by = []
    if user_id is not None:
        done_by.append(AuditEvent.actor_id == user_id)
    if email and not actor_sealed:
        done_by.append(func.lower(AuditEvent.actor) == email)
    if sealed_actor_ids:
        done_by.append(AuditEvent.id.in_(sealed_actor_ids))
    if done_by:
        ids = set(db.scalars(select(AuditEvent.id).where(or_(*done_by))))
        if ids:
            db.execute(update(AuditEvent).where(AuditEvent.id.in_(ids))
                       .values(actor=None, actor_id=None), execution_options=options)
            touched |= ids
    # Display values filed under nobody: a search for the person's name that found
    # nothing, a failed login with their address typed differently.
    ids = set(sealed_target_ids)
    if texts and not target_sealed:
        ids |= set(db.scalars(select(AuditEvent.id).where(
            func.lower(AuditEvent.target).in_(texts))))
    if ids:
        db.execute(update(AuditEvent).where(AuditEvent.id.in_(ids))
                   .values(target=None, details={"erased": True}), execution_options=options)
        touched |= ids
    return len(touched)


def _sealed_matches(db, email: str | None, texts: set[str]) -> tuple[list[int], list[int]]:
    """Ids of the events whose decoded actor is ``email``, and of those whose decoded target
    is one of ``texts`` (lower case): read in batches of ids, decoded on loading. Only ids
    are kept; the session holds unchanged rows weakly, so a long trail is not kept in memory."""
    if not email and not texts:
        return [], []
    actors, targets, last_id = [], [], 0
    while True:
        rows = db.scalars(select(AuditEvent)
                          .options(load_only(AuditEvent.id, AuditEvent.actor, AuditEvent.target))
                          .where(AuditEvent.id > last_id,
                                 or_(AuditEvent.actor.is_not(None), AuditEvent.target.is_not(None)))
                          .order_by(AuditEvent.id).limit(_SCAN_BATCH)).all()
        if not rows:
            return actors, targets
        for row in rows:
            if email and normalise(row.actor) == email:
                actors.append(row.id)
            if texts and (row.target or "").strip().lower() in texts:
                targets.append(row.id)
        last_id = rows[-1].id
