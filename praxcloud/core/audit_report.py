"""The data subject access report: every audit entry that touched one person's data.

For an institution's answer to an access request (AVG/GDPR art. 15): the
person is named by a record id, a user id, or an e-mail address. The
entries are found through ``audit_subjects`` (ids and e-mail digests) and,
for a user, the events they performed themselves (``actor_id``), never by
reading the trail's text: display values may be encrypted, and a name in a
free text is no proof of whom an entry is about. What a user did to other
people's records is listed (it is processing of the user's data too) with
the other person's name and details withheld.

An e-mail address stands for the users with that address (found through the
blind index when the e-mail is encrypted), the records with that address
(only while ``records.email`` is stored plain: an encrypted one has no blind
index; then ask for the record by id), and the address itself (failed logins
and reset requests for an address that names no user).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import Session

from .api.serialize import iso
from .audit import EMAIL, RECORD, USER, email_keys
from .errors import PraxError
from .fields import codecs_of
from .models import AuditEvent, AuditSubject, Record, User

# Beyond this many entries the report is refused: a person's trail is far smaller.
MAX_ENTRIES = 100_000


class SubjectUnknown(PraxError, ValueError):
    """The record or user does not exist and has left no trace under its id either."""

    # As the API answers any resource that is not there.
    code = "not_found"
    status = 404
    message = "no such resource"

    def __init__(self, subject_id: int):
        super().__init__()
        self.subject_id = subject_id


@dataclass
class Subject:
    """Whom a report is about, and the ids and digests it was found under."""

    kind: str  # RECORD, USER or EMAIL: how it was asked for
    value: str  # the id or the e-mail address asked for
    label: str  # a display value for the page (a name or an address)
    record_ids: list[int] = field(default_factory=list)
    user_ids: list[int] = field(default_factory=list)
    email_keys: list[str] = field(default_factory=list)
    # The address the email_keys stand for: an entry found only through a key
    # (which a truncated blind index shares with other addresses) must name it.
    email: str | None = None

    def as_dict(self) -> dict:
        return {"kind": self.kind, "value": self.value, "label": self.label,
                "record_ids": self.record_ids, "user_ids": self.user_ids}

    def audit_subjects(self) -> list[tuple[str, int]]:
        return ([(RECORD, i) for i in self.record_ids] + [(USER, i) for i in self.user_ids])


def _has_trail(session: Session, kind: str, ref_id: int) -> bool:
    return session.scalar(select(AuditSubject.id).where(
        AuditSubject.kind == kind, AuditSubject.ref_id == ref_id).limit(1)) is not None


def for_record(session: Session, record_id: int) -> Subject:
    record = session.get(Record, record_id)
    if record is None and not _has_trail(session, RECORD, record_id):
        raise SubjectUnknown(record_id)
    label = record.name if record is not None else f"record {record_id} (deleted)"
    return Subject(RECORD, str(record_id), label, record_ids=[record_id])


def for_user(session: Session, user_id: int) -> Subject:
    user = session.get(User, user_id)
    if user is None:
        if not _has_trail(session, USER, user_id):
            raise SubjectUnknown(user_id)
        return Subject(USER, str(user_id), f"user {user_id} (deleted)", user_ids=[user_id])
    return Subject(USER, str(user_id), user.email, user_ids=[user_id],
                   email_keys=email_keys(session, user.email), email=user.email)


def for_email(session: Session, email: str) -> Subject:
    email = email.strip().lower()
    codecs = codecs_of(session)
    user_ids = [user.id for user in codecs.lookup(session, User, "email", email)]
    record_ids: list[int] = []
    if not codecs.is_encoded(Record, "email"):
        record_ids = list(session.scalars(
            select(Record.id).where(func.lower(Record.email) == email).order_by(Record.id)))
    return Subject(EMAIL, email, email, record_ids=record_ids, user_ids=user_ids,
                   email_keys=email_keys(session, email), email=email)


@dataclass
class Entry:
    """An entry of the report. ``about``: it names the subject's data; otherwise the
    subject (a user) only did it, to someone else's data, which is withheld."""

    event: AuditEvent
    about: bool

    def as_dict(self) -> dict:
        row = self.event
        return {"id": row.id, "at": iso(row.at), "event": row.event, "outcome": row.outcome,
                "role": "subject" if self.about else "actor",
                "actor": row.actor, "actor_id": row.actor_id, "ip": row.ip,
                "target": row.target if self.about else None,
                "details": (row.details or {}) if self.about else {}}


def entries(session: Session, subject: Subject, limit: int = MAX_ENTRIES) -> list[Entry]:
    """The subject's entries, newest first, at most ``limit``."""
    about = []
    if subject.record_ids:
        about.append((AuditSubject.kind == RECORD) & AuditSubject.ref_id.in_(subject.record_ids))
    if subject.user_ids:
        about.append((AuditSubject.kind == USER) & AuditSubject.ref_id.in_(subject.user_ids))
    by_key = false()
    if subject.email_keys:
        by_key = AuditEvent.id.in_(select(AuditSubject.event_id).where(
            (AuditSubject.kind == EMAIL) & AuditSubject.ref_key.in_(subject.email_keys)))
    named = (AuditEvent.id.in_(select(AuditSubject.event_id).where(or_(*about)))
             if about else false())
    acted = AuditEvent.actor_id.in_(subject.user_ids) if subject.user_ids else false()
    rows = session.execute(
        select(AuditEvent, named.label("named"), by_key.label("by_key"))
        .where(or_(named, by_key, acted))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))
    found = []
    for event, is_named, is_by_key in rows:
        # A key alone may be another address's (a truncated blind index): the
        # entry's own target, decoded, must be the subject's address.
        keyed = bool(is_by_key) and (event.target or "").strip().lower() == subject.email
        if is_named or keyed or event.actor_id in subject.user_ids:
            found.append(Entry(event, bool(is_named) or keyed))
    return found
