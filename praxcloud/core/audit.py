"""The per-tenant audit trail of security events.

``request.audit.record(event, ...)`` writes a row in the tenant's database
and hands it to the ``praxcloud_audit_event`` hook (the ledger plugin
listens there). Events about something that failed are written with
``durable=True``: in their own transaction, so the request's rollback does
not erase the trace of a failed login. Passwords and tokens are never put
in ``details``: keys that look like secrets are refused.

``actor`` and ``target`` are display values (an e-mail, a record's name, a
search text): control characters are stripped, and they are stored through
the ``users.email`` field codec (see ``fields.FOLLOWING_FIELDS``), so a codec
on the e-mail covers the trail too. Whose data an event touched is kept
apart, in ``audit_subjects`` (records and users by id, other e-mail addresses
by digest): the data subject access report looks people up there
(:mod:`praxcloud.core.audit_report`). Many subjects of one event (a page of
50 records shown) cost one more INSERT, not one per record.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from collections.abc import Iterable

from sqlalchemy import insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from .audit_writer import ViewEventWriter
from .durable import durable_write
from .fields import codecs_of, encoded_values
from .models import AuditEvent, AuditSubject, User, utcnow
from .settings import settings_of

log = logging.getLogger(__name__)

SECRET_KEYS = ("password", "token", "secret", "code", "csrf")

# The events the core writes; plugins add their own names.
CORE_EVENTS = (
    "login", "logout", "mfa.verify", "password.change", "password.reset_request",
    "password.reset", "permission.denied", "session.revoke", "user.create", "user.update",
    "user.delete", "group.create", "group.update", "group.delete", "plugin.enable",
    "plugin.disable", "plugin.configure", "tenant.settings", "record.create", "record.update",
    "record.delete", "record.view", "record.list", "record.search", "audit.export",
    "audit.subject_report",
)

# Kinds of subject an event names (``audit_subjects.kind``).
RECORD = "record"
USER = "user"
EMAIL = "email"
# Display values are cut to this many characters before they are encoded.
DISPLAY_LENGTH = 254


# Line and paragraph separators break a log line as a newline does; bidi
# overrides make "moc.live@" read as something else.
_INVISIBLE_CATEGORIES = ("Cc", "Zl", "Zp")
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def display(value: str | None) -> str | None:
    """A display value fit for the trail: no control characters (a failed login
    logs whatever was typed as the login name), at most ``DISPLAY_LENGTH`` characters."""
    if value is None:
        return None
    text = "".join(ch for ch in str(value)
                   if unicodedata.category(ch) not in _INVISIBLE_CATEGORIES
                   and ch not in _BIDI_CONTROLS)
    return text[:DISPLAY_LENGTH]


def looks_like_email(text: str | None) -> bool:
    return bool(text) and "@" in text and " " not in text.strip()


def email_keys(session: Session, email: str) -> list[str]:
    """The digests an e-mail address is filed under in ``audit_subjects``.

    The ``users.email`` codec's blind index when there is one (nothing that
    a dictionary of addresses could reverse), else a SHA-256; both when
    looking up, for entries written before and after a codec was enabled.
    """
    normalised = email.strip().lower()
    keys = [hashlib.sha256(b"praxcloud-audit-email:" + normalised.encode()).hexdigest()]
    codec = codecs_of(session).get(User, "email")
    if codec is not None:
        keys.insert(0, codec.blind_index(normalised)[:64])
    return keys


_INSERT_SUBJECTS = insert(AuditSubject.__table__)
# Core, not ORM, statements: the ORM's bulk INSERT path costs more than the write.
_INSERT_EVENT = insert(AuditEvent.__table__).returning(AuditEvent.__table__.c.id)
_INSERT_EVENTS = insert(AuditEvent.__table__).returning(AuditEvent.__table__.c.id,
                                                        sort_by_parameter_order=True)
_EVENT_COLUMNS = ("at", "event", "outcome", "actor_id", "actor", "ip", "target", "details")


def _clean(details: dict | None) -> dict:
    clean = {}
    for key, value in (details or {}).items():
        if any(word in key.lower() for word in SECRET_KEYS) and key != "reason":
            raise ValueError(f"audit details may not carry secrets ({key!r})")
        clean[key] = value
    return clean


class AuditTrail:
    def __init__(self, request):
        self.request = request

    def _actor(self):
        identity = getattr(self.request, "praxcloud_identity", None)
        if identity is None or identity.is_operator:
            return None, (identity.user_email if identity else None)
        return identity.user_id, identity.user_email

    def record(self, event: str, *, outcome: str = "success", target: str | None = None,
               details: dict | None = None, durable: bool = False,
               actor_id: int | None = None, actor: str | None = None,
               subjects: Iterable[tuple[str, int]] = (), batched: bool = False) -> AuditEvent:
        """Write one event; ``subjects`` are ``(RECORD | USER, id)`` whose data it touched.

        A ``target`` that is an e-mail address files the event under the user
        with that address, if any, and under the address itself.

        ``batched``: an event that records a read (a record viewed) and may reach
        the trail within a second, in a batch of this process's writer
        (:mod:`.audit_writer`), rather than in the request's transaction;
        its ``id`` is then None when this returns.
        """
        request = self.request
        if actor_id is None and actor is None:
            actor_id, actor = self._actor()
        target = display(target)
        row = AuditEvent(
            at=utcnow(), event=event, outcome=outcome, actor_id=actor_id, actor=display(actor),
            ip=request.client_addr, target=target, details=_clean(details),
        )
        subjects = list(subjects)
        if batched and self._batch(row, subjects):
            return row
        if durable:
            # Now, or when the request's transaction has ended if it has written (.durable),
            # in a tenant session with the field codecs.
            durable_write(request, lambda session: write_event(session, row, subjects))
        else:
            write_event(request.tenant_db, row, subjects)
        try:
            request.tenant_hooks.praxcloud_audit_event(request=request, event=row)
        except Exception:
            # A failing sink must be seen, and must not hide the event itself.
            log.exception("an audit_event hook failed for %s", event)
            if not durable:
                raise
        return row

    def _batch(self, row: AuditEvent, subjects: list[tuple[str, int]]) -> bool:
        """Hand the event to the process's writer, unless the tenant's plugins want to
        see it at once (``praxcloud_audit_event``) or the writer is full."""
        request = self.request
        if request.tenant_hooks.praxcloud_audit_event.get_hookimpls():
            return False
        return request.registry.tenancy.view_events.add(request.tenant.slug, row, subjects)


def write_event(session: Session, row: AuditEvent, subjects: list[tuple[str, int]]) -> None:
    """Write one event and its subjects in ``session``'s transaction; ``row.id`` is set."""
    write_events(session, [(row, subjects)])


def write_events(session: Session,
                 events: list[tuple[AuditEvent, list[tuple[str, int]]]]) -> None:
    """Write events and their subjects in ``session``'s transaction: one INSERT ...
    RETURNING for the events, one executemany for all their subjects.

    Core statements, not the unit of work's flush of new objects (a third of what
    a request that read one record spent on its audit). Each row stays a plain
    object with its plain display values and its id set, for the hooks.
    """
    values = [encoded_values(session, AuditEvent,
                             {column: getattr(row, column) for column in _EVENT_COLUMNS})
              for row, _ in events]
    if len(values) == 1:
        ids = [session.execute(_INSERT_EVENT, values[0]).scalar_one()]
    else:
        # Many rows in few statements (insertmanyvalues), ids in the order given.
        ids = list(session.execute(_INSERT_EVENTS, values).scalars())
    refs: list[dict] = []
    for (row, subjects), event_id in zip(events, ids, strict=True):
        set_committed_value(row, "id", event_id)
        refs.extend(_subject_refs(session, row, subjects))
    if refs:
        # One statement for all of them: a page of 50 records is one INSERT,
        # sent as a Core executemany (the ORM's bulk path costs more than the write).
        session.connection().execute(_INSERT_SUBJECTS, refs)


def _subject_refs(session: Session, row: AuditEvent, subjects: list[tuple[str, int]]) -> list:
    refs = [{"event_id": row.id, "kind": kind, "ref_id": int(ref_id), "ref_key": None}
            for kind, ref_id in dict.fromkeys(subjects) if kind in (RECORD, USER)]
    target = row.target
    if looks_like_email(target):
        if not any(kind == USER for kind, _ in subjects):
            users = codecs_of(session).lookup(session, User, "email", target.strip().lower())
            user_id = users[0].id if users else None
            if user_id is not None:
                refs.append({"event_id": row.id, "kind": USER, "ref_id": user_id,
                             "ref_key": None})
        refs.append({"event_id": row.id, "kind": EMAIL, "ref_id": None,
                     "ref_key": email_keys(session, target)[0]})
    return refs


def includeme(config) -> None:
    config.add_request_method(AuditTrail, "audit", reify=True)
    # Record views, written in batches (audit_writer); Tenancy.dispose stops it.
    config.registry.tenancy.view_events = ViewEventWriter(
        config.registry.tenancy, settings_of(config.registry).audit_view_batch_seconds,
        write_events)
