"""State shared between web processes: counters and expiring sets (``registry.shared_state``).

Slowdown counters and the WAF blacklist must be the same in every web
process, so production keeps them in Redis; development and tests keep them
in process memory. The backend is chosen by ``praxcloud.shared_state_url``:

- ``memory://`` (the default): process-local, thread-safe;
- ``redis://host:port/db`` (or ``rediss://``, ``unix://``): shared by every
  process using the same server; increments are atomic (Lua scripts,
  :mod:`.shared_state_redis`).

Back-off gates (:meth:`SharedState.gate_pass`) let one login attempt at a
time through and close for longer after each failure; they are what makes
a slowdown schedule hold across processes (a Lua script on Redis).

Keys are namespaced: ``shared_state.for_tenant(slug)`` gives a view whose
keys cannot meet another tenant's. Every failure of the store raises
:class:`SharedStateError`; nothing answers 0 or "not listed" on an error, so
a security feature built on it can fail closed.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from .errors import SharedStateError
from .settings import settings_of
from .shared_state_redis import RedisBackend
from .tenancy import SLUG_RE

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "praxcloud:"
TENANT_NAMESPACE = "tenant"


class Backend(Protocol):
    """Raw operations on full keys; times are milliseconds (TTLs) or epoch seconds (sets)."""

    def incr(self, key: str, ttl_ms: int) -> int: ...
    def decr(self, key: str) -> int | None: ...
    def get(self, key: str) -> str | None: ...
    def set(self, key: str, value: str, ttl_ms: int | None) -> None: ...
    def delete(self, key: str) -> bool: ...
    def pttl(self, key: str) -> int | None: ...
    def set_add(self, key: str, member: str, expires_at: float) -> None: ...
    def set_remove(self, key: str, member: str) -> bool: ...
    def set_members(self, key: str, now: float) -> dict[str, float]: ...
    def set_contains(self, key: str, member: str, now: float) -> bool: ...
    def gate_pass(self, key: str, now_ms: int, delays_ms: list[int], keep_ms: int) -> int: ...
    def gate_failed(self, key: str, now_ms: int, delays_ms: list[int], keep_ms: int) -> int: ...
    def gate_state(self, key: str) -> tuple[int, int] | None: ...


@dataclass(frozen=True)
class GateState:
    """A back-off gate as it stands: failures in a row, and when it opens (epoch seconds)."""

    failures: int
    opens_at: float


class SharedState:
    """Counters, values and expiring sets under one key prefix."""

    def __init__(self, backend: Backend, prefix: str = DEFAULT_PREFIX,
                 clock: Callable[[], float] = time.time):
        self.backend = backend
        self.prefix = prefix
        self._clock = clock

    # Namespaces ----------------------------------------------------------
    def for_tenant(self, slug: str) -> SharedState:
        """The view of one tenant: its keys are its own."""
        if not isinstance(slug, str) or not SLUG_RE.match(slug):
            raise ValueError(f"not a tenant slug: {slug!r}")
        return SharedState(self.backend, f"{self.prefix}{TENANT_NAMESPACE}:{slug}:", self._clock)

    def namespace(self, name: str) -> SharedState:
        """A view for platform-wide state of one feature (``namespace("waf")``)."""
        if not name or ":" in name or name == TENANT_NAMESPACE:
            raise ValueError(f"not a usable namespace: {name!r}")
        return SharedState(self.backend, f"{self.prefix}{name}:", self._clock)

    def key(self, key: str) -> str:
        if not isinstance(key, str) or not key:
            raise ValueError("a shared-state key is a non-empty string")
        return self.prefix + key

    # Counters and values -------------------------------------------------
    def incr(self, key: str, ttl_seconds: float) -> int:
        """Add one to ``key`` atomically and return the new value.

        The first increment starts the key's life of ``ttl_seconds``; later
        ones do not extend it (a fixed window).
        """
        return self.backend.incr(self.key(key), _ttl_ms(ttl_seconds))

    def decr(self, key: str) -> int | None:
        """Take one off ``key`` atomically, keeping its TTL; None when the key does not exist.

        A counter that has expired is not brought back (at -1, without a TTL):
        taking back an increment never outlives the window it was made in.
        """
        return self.backend.decr(self.key(key))

    def get(self, key: str) -> str | None:
        return self.backend.get(self.key(key))

    def set(self, key: str, value: str | int | float, ttl_seconds: float | None = None) -> None:
        ttl = None if ttl_seconds is None else _ttl_ms(ttl_seconds)
        self.backend.set(self.key(key), str(value), ttl)

    def delete(self, key: str) -> bool:
        """Remove ``key``; True when it existed."""
        return self.backend.delete(self.key(key))

    def ttl(self, key: str) -> float | None:
        """Seconds ``key`` has left, or None when it does not exist or never expires."""
        ms = self.backend.pttl(self.key(key))
        return None if ms is None else ms / 1000.0

    # Sets whose members expire one by one (blacklists) --------------------
    def add_to_set(self, key: str, member: str, ttl_seconds: float) -> None:
        """Put ``member`` in the set for ``ttl_seconds`` from now (re-adding sets a new expiry)."""
        _check_member(member)
        expires_at = self._clock() + _ttl_ms(ttl_seconds) / 1000.0
        self.backend.set_add(self.key(key), member, expires_at)

    def remove_from_set(self, key: str, member: str) -> bool:
        _check_member(member)
        return self.backend.set_remove(self.key(key), member)

    def members(self, key: str) -> dict[str, float]:
        """Live members and when each expires (epoch seconds)."""
        return self.backend.set_members(self.key(key), self._clock())

    def is_member(self, key: str, member: str) -> bool:
        _check_member(member)
        return self.backend.set_contains(self.key(key), member, self._clock())


    # Back-off gates (login slowdown) --------------------------------------
    def gate_pass(self, key: str, delays: Sequence[float], keep_seconds: float) -> float:
        """Let one attempt through the gate ``key``: 0.0, or the seconds until it opens.

        A gate counts failures in a row (:meth:`gate_failed`) and knows when it
        opens next. An open gate lets the attempt through and closes behind it
        for the wait that attempt earns if it fails (``delays[failures]``, the
        last delay once past the list): so of any number of attempts at once,
        from any process, exactly one passes, atomically. A success should
        :meth:`delete` the gate; untouched, it is forgotten after
        ``keep_seconds``.
        """
        left = self.backend.gate_pass(self.key(key), self._now_ms(), _delays_ms(delays),
                                      _ttl_ms(keep_seconds))
        return left / 1000.0

    def gate_failed(self, key: str, delays: Sequence[float], keep_seconds: float) -> int:
        """Count a failed attempt at ``key``: it stays closed ``delays[failures - 1]`` from now
        (at least); returns the failures in a row."""
        return self.backend.gate_failed(self.key(key), self._now_ms(), _delays_ms(delays),
                                        _ttl_ms(keep_seconds))

    def gate_state(self, key: str) -> GateState | None:
        """The gate ``key`` as it stands, or None when it holds nothing (never failed, reset)."""
        found = self.backend.gate_state(self.key(key))
        return None if found is None else GateState(found[0], found[1] / 1000.0)

    def _now_ms(self) -> int:
        return math.floor(self._clock() * 1000)


def _delays_ms(delays: Sequence[float]) -> list[int]:
    if not delays:
        raise ValueError("a gate needs at least one delay")
    return [_ttl_ms(delay) for delay in delays]


def _ttl_ms(ttl_seconds: float) -> int:
    if isinstance(ttl_seconds, bool) or not isinstance(ttl_seconds, int | float) \
            or not math.isfinite(ttl_seconds) or ttl_seconds <= 0:
        raise ValueError(f"a TTL is a positive number of seconds, not {ttl_seconds!r}")
    return max(1, math.ceil(ttl_seconds * 1000))


def _check_member(member: str) -> None:
    if not isinstance(member, str) or not member:
        raise ValueError("a set member is a non-empty string")


# Memory ----------------------------------------------------------------------
@dataclass
class _Item:
    value: Any  # str for values, dict[member, expires_at] for sets
    expires_at: float | None = None
    is_set: bool = False


@dataclass
class MemoryBackend:
    """One process's store: a dict under a lock; expired keys vanish when touched or swept."""

    clock: Callable[[], float] = time.time
    sweep_every: int = 1024
    _items: dict[str, _Item] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _writes: int = 0

    def _live(self, key: str, now: float) -> _Item | None:
        item = self._items.get(key)
        if item is not None and item.expires_at is not None and item.expires_at <= now:
            del self._items[key]
            return None
        return item

    def _wrote(self, now: float) -> None:
        # Keys nobody reads again would otherwise stay for the process's life.
        self._writes += 1
        if self._writes % self.sweep_every == 0:
            for key in [k for k, i in self._items.items()
                        if i.expires_at is not None and i.expires_at <= now]:
                del self._items[key]

    def _value_item(self, key: str, now: float) -> _Item | None:
        item = self._live(key, now)
        if item is not None and item.is_set:
            raise SharedStateError(f"{key} holds a set, not a value")
        return item

    def incr(self, key: str, ttl_ms: int) -> int:
        now = self.clock()
        with self._lock:
            item = self._value_item(key, now)
            if item is None:
                item = self._items[key] = _Item("0")
            try:
                value = int(item.value) + 1
            except ValueError:
                raise SharedStateError(f"{key} does not hold an integer") from None
            item.value = str(value)
            if item.expires_at is None:
                item.expires_at = now + ttl_ms / 1000.0
            self._wrote(now)
            return value

    def decr(self, key: str) -> int | None:
        now = self.clock()
        with self._lock:
            item = self._value_item(key, now)
            if item is None:
                return None
            try:
                value = int(item.value) - 1
            except ValueError:
                raise SharedStateError(f"{key} does not hold an integer") from None
            item.value = str(value)
            return value

    def get(self, key: str) -> str | None:
        with self._lock:
            item = self._value_item(key, self.clock())
            return None if item is None else item.value

    def set(self, key: str, value: str, ttl_ms: int | None) -> None:
        now = self.clock()
        with self._lock:
            expires = None if ttl_ms is None else now + ttl_ms / 1000.0
            self._items[key] = _Item(value, expires)
            self._wrote(now)

    def delete(self, key: str) -> bool:
        with self._lock:
            return self._live(key, self.clock()) is not None and \
                self._items.pop(key, None) is not None

    def pttl(self, key: str) -> int | None:
        now = self.clock()
        with self._lock:
            item = self._live(key, now)
            if item is None or item.expires_at is None:
                return None
            return max(0, math.ceil((item.expires_at - now) * 1000))

    def _set_item(self, key: str, now: float) -> _Item | None:
        item = self._live(key, now)
        if item is not None and not item.is_set:
            raise SharedStateError(f"{key} holds a value, not a set")
        return item

    def set_add(self, key: str, member: str, expires_at: float) -> None:
        now = self.clock()
        with self._lock:
            item = self._set_item(key, now)
            if item is None:
                item = self._items[key] = _Item({}, None, is_set=True)
            members = {m: e for m, e in item.value.items() if e > now}
            members[member] = expires_at
            item.value = members
            item.expires_at = max(members.values())
            self._wrote(now)

    def set_remove(self, key: str, member: str) -> bool:
        now = self.clock()
        with self._lock:
            item = self._set_item(key, now)
            if item is None or member not in item.value:
                return False
            live = item.value.pop(member) > now
            if not item.value:
                del self._items[key]
            return live

    def set_members(self, key: str, now: float) -> dict[str, float]:
        with self._lock:
            item = self._set_item(key, now)
            if item is None:
                return {}
            return {m: e for m, e in item.value.items() if e > now}

    def set_contains(self, key: str, member: str, now: float) -> bool:
        with self._lock:
            item = self._set_item(key, now)
            return item is not None and item.value.get(member, 0.0) > now


    def _gate_item(self, key: str, now: float) -> _Item | None:
        item = self._live(key, now)
        if item is not None and not isinstance(item.value, list):
            raise SharedStateError(f"{key} holds something other than a gate")
        return item

    def gate_pass(self, key: str, now_ms: int, delays_ms: list[int], keep_ms: int) -> int:
        now = self.clock()
        with self._lock:
            item = self._gate_item(key, now)
            failures, opens_at = item.value if item is not None else (0, 0)
            if opens_at > now_ms:
                return opens_at - now_ms
            closes_for = delays_ms[min(failures, len(delays_ms) - 1)]
            self._items[key] = _Item([failures, now_ms + closes_for], now + keep_ms / 1000.0)
            self._wrote(now)
            return 0

    def gate_failed(self, key: str, now_ms: int, delays_ms: list[int], keep_ms: int) -> int:
        now = self.clock()
        with self._lock:
            item = self._gate_item(key, now)
            failures, opens_at = item.value if item is not None else (0, 0)
            failures += 1
            opens_at = max(opens_at, now_ms + delays_ms[min(failures, len(delays_ms)) - 1])
            self._items[key] = _Item([failures, opens_at], now + keep_ms / 1000.0)
            self._wrote(now)
            return failures

    def gate_state(self, key: str) -> tuple[int, int] | None:
        with self._lock:
            item = self._gate_item(key, self.clock())
            return None if item is None else (item.value[0], item.value[1])


def build_shared_state(settings) -> SharedState:
    """The store named by ``praxcloud.shared_state_url``."""
    url = settings_of(settings).shared_state_url
    prefix = settings_of(settings).shared_state_prefix
    scheme = url.split("://", 1)[0]
    if scheme == "memory":
        return SharedState(MemoryBackend(), prefix)
    if scheme in ("redis", "rediss", "unix"):
        timeout = settings_of(settings).shared_state_timeout_ms / 1000.0
        return SharedState(RedisBackend(url, timeout), prefix)
    raise ValueError(f"praxcloud.shared_state_url: unsupported store {scheme!r} "
                     "(use memory:// or redis://)")


def includeme(config) -> None:
    config.registry.shared_state = build_shared_state(config.registry.settings)
