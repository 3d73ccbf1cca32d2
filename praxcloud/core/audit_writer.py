"""Record views written in batches, off the request's path.

Every record shown is audited (``record_audit.viewed`` and ``listed``), so
every read became a write: an INSERT of the event, one of its subjects and a
commit, which cost a page of 50 half of its time (``bench/audit_views.py``).
A view event changes nothing but the trail, so it need not be in the
request's transaction: the request hands it to this process's
:class:`ViewEventWriter` and answers; a thread of the writer stores what
has gathered every ``praxcloud.audit_view_batch_seconds`` (0.5), one
transaction per tenant for the whole batch.

What this trades, and what it keeps:

- An event is in the trail within about that time, not at once; its ``at``
  is the moment of the view. A process killed outright (SIGKILL, power)
  loses the views of its last batch; a process that exits (SIGTERM, a
  gunicorn worker recycled) writes them first.
- Fail closed: while the writer cannot write (a database away), events wait,
  retried each period, and beyond ``MAX_PENDING`` a request writes its own
  event in its transaction again, so a view is never shown without its
  event on the way to the trail, or the request failing.
- A tenant whose plugins listen to ``praxcloud_audit_event`` (a ledger)
  gets every event written in the request as before: the hook sees each
  row, with its id, in order.
- ``0`` seconds turns batching off: every view is written in its request.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import weakref
from collections import deque
from dataclasses import dataclass

log = logging.getLogger(__name__)

# Events kept while the writer cannot write; beyond, requests write their own.
MAX_PENDING = 10_000
# Events per INSERT of a batch (and their subjects per executemany).
WRITE_CHUNK = 500


@dataclass
class PendingEvent:
    slug: str
    row: object  # an AuditEvent, not yet added to any session
    subjects: list[tuple[str, int]]


class ViewEventWriter:
    def __init__(self, tenancy, period: float, write_events):
        self.tenancy = tenancy
        self.period = period
        # write_events(session, [(row, subjects), ...]): audit.write_events.
        self._write_events = write_events
        self._pending: deque[PendingEvent] = deque()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self._stopped = False
        _writers.add(self)

    @property
    def enabled(self) -> bool:
        return self.period > 0

    def add(self, slug: str, row, subjects: list[tuple[str, int]]) -> bool:
        """Keep an event for the next batch; False if the caller must write it itself."""
        if not self.enabled or self._stopped:
            return False
        self._ensure_thread()
        with self._lock:
            if len(self._pending) >= MAX_PENDING:
                return False
            self._pending.append(PendingEvent(slug, row, subjects))
        return True

    def __len__(self) -> int:
        return len(self._pending)

    def flush(self) -> int:
        """Write every kept event now, one transaction per tenant; how many were written.

        Events of a batch that fails go back to the front, for the next try.
        """
        with self._lock:
            batch = list(self._pending)
            self._pending.clear()
        if not batch:
            return 0
        by_tenant: dict[str, list[PendingEvent]] = {}
        for pending in batch:
            by_tenant.setdefault(pending.slug, []).append(pending)
        written = 0
        failed: list[PendingEvent] = []
        for slug, events in by_tenant.items():
            try:
                written += self._write_tenant(slug, events)
            except Exception:
                log.exception("could not write %d view events of tenant %s; kept for the "
                              "next try", len(events), slug)
                failed.extend(events)
        if failed:
            with self._lock:
                self._pending.extendleft(reversed(failed))
        return written

    def _write_tenant(self, slug: str, events: list[PendingEvent]) -> int:
        tenant = self.tenancy.cached(slug)
        if tenant is None:
            log.warning("%d view events of tenant %s dropped: the tenant is gone",
                        len(events), slug)
            return 0
        with self.tenancy.tenant_transaction(tenant) as session:
            for start in range(0, len(events), WRITE_CHUNK):
                self._write_events(session, [(pending.row, pending.subjects)
                                             for pending in events[start:start + WRITE_CHUNK]])
        return len(events)

    # The thread ------------------------------------------------------------------
    def _ensure_thread(self) -> None:
        if os.getpid() != self._pid:
            # Forked (a server that loads the app before forking workers): the
            # parent's thread and lock are not here.
            self._pid = os.getpid()
            self._lock = threading.Lock()
            self._pending = deque()
            self._thread = None
        if self._thread is None or not self._thread.is_alive():
            with self._lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._run, daemon=True,
                                                    name="praxcloud-view-audit")
                    self._thread.start()

    def _run(self) -> None:
        while not self._stopped:
            self._wake.wait(self.period)
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - the thread must live on; flush logged it
                log.exception("the view event writer failed")

    def stop(self) -> None:
        """Write what is kept and stop taking events (the app is being closed)."""
        self._stopped = True
        self._wake.set()
        self.flush()


_writers: weakref.WeakSet[ViewEventWriter] = weakref.WeakSet()


@atexit.register
def _flush_at_exit() -> None:
    for writer in list(_writers):
        try:
            writer.stop()
        except Exception:  # noqa: BLE001 - exiting; nothing else to do with it
            log.exception("view events could not be written at exit")
