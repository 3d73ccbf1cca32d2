"""The settle window: waiting until every process has seen a field move or a key rotation.

A process reads a tenant's contract and keys again within
``tenant_cache_seconds`` (:mod:`.tenant_cache`). Until then it may still
write a value in the old form, or under the old key. So a move
(:mod:`.field_moves`) and a rotation (:mod:`.key_rotation`) wait that long,
plus a second, after the change committed, and only then scan for rows
written the old way.

The wait is timed on the registry's ``settle_clock``: real time
(:data:`REAL`) unless something put another there. The test harness
(:mod:`praxcloud.testing.settle`) puts a clock that moves when waited on,
so that a test does not sleep through every window yet the scan still
comes after it, on that clock.
"""

from __future__ import annotations

import time
from typing import Protocol

from .settings import settings_of


class SettleClock(Protocol):
    """Seconds that only go forward (``clock()``), and a way to let some pass."""

    def __call__(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class RealClock:
    """The process's monotonic clock; waiting sleeps."""

    def __call__(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


REAL = RealClock()


def clock_of(registry) -> SettleClock:
    """The clock ``registry``'s moves and rotations wait on (real time unless replaced)."""
    return getattr(registry, "settle_clock", None) or REAL


def window(registry, settle_seconds: float | None = None) -> float:
    """``settle_seconds``, or by default as long as a process may keep an old contract, plus 1."""
    if settle_seconds is None:
        return settings_of(registry).tenant_cache_seconds + 1
    return settle_seconds


def wait(registry, started: float, settle_seconds: float | None = None) -> None:
    """Return once the window has passed since ``started`` (a reading of :func:`clock_of`)."""
    clock = clock_of(registry)
    clock.sleep(max(0.0, window(registry, settle_seconds) - (clock() - started)))
