"""State shared between web processes: counters and expiring sets (``registry.shared_state``).

Slowdown counters and the WAF blacklist must be the same in every web
process, so production keeps them in Redis; development and tests keep them
in process memory. The backend is chosen by ``praxcloud.shared_state_url``:

- ``memory://`` (the default): process-local, thread-safe;
- ``redis://host:port/db`` (or ``rediss://``, ``unix://``): shared by every
  process using the same server; increments are atomic (a Lua script).

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

from .settings import settings_of
from .tenancy import SLUG_RE

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "praxcloud:"
TENANT_NAMESPACE = "tenant"


class SharedStateError(RuntimeError):
    """The shared store could not answer; callers must treat this as a refusal."""


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


# Redis -----------------------------------------------------------------------
# INCR and the first EXPIRE in one step: no process can see the counter
# without its TTL, and a counter that somehow lost its TTL gets one back.
_INCR = """
local value = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return value
"""

# DECR only on a key that exists, so an expired counter is not re-created
# without a TTL; DECR keeps the key's TTL.
_DECR = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
return redis.call('DECR', KEYS[1])
"""

# A sorted set scored by each member's expiry (ms since the epoch); the key
# itself lives until its last member expires.
_SET_ADD = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return 1
"""


# A back-off gate is a hash {failures, opens_at (ms)}; ARGV: now (ms), keep
# (ms), then the delays (ms). Reading, deciding and closing in one script is
# what lets exactly one of many simultaneous attempts through.
_GATE_THROUGH = """
local now = tonumber(ARGV[1])
local state = redis.call('HMGET', KEYS[1], 'failures', 'opens_at')
local failures = tonumber(state[1]) or 0
local opens_at = tonumber(state[2]) or 0
if opens_at > now then
  return opens_at - now
end
local delays = #ARGV - 2
local closes_for = tonumber(ARGV[2 + math.min(failures + 1, delays)])
redis.call('HSET', KEYS[1], 'failures', failures, 'opens_at', now + closes_for)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 0
"""

_GATE_FAILED = """
local now = tonumber(ARGV[1])
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
local delays = #ARGV - 2
local until_ms = now + tonumber(ARGV[2 + math.min(failures, delays)])
local opens_at = tonumber(redis.call('HGET', KEYS[1], 'opens_at')) or 0
if until_ms > opens_at then
  redis.call('HSET', KEYS[1], 'opens_at', until_ms)
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return failures
"""


class RedisBackend:
    """Every process with the same URL sees the same state."""

    def __init__(self, url: str, timeout_seconds: float = 2.0):
        import redis

        self._errors = (redis.RedisError, OSError)
        self.client = redis.Redis.from_url(
            url, decode_responses=True, socket_timeout=timeout_seconds,
            socket_connect_timeout=timeout_seconds, health_check_interval=30,
        )
        self._incr = self.client.register_script(_INCR)
        self._set_add = self.client.register_script(_SET_ADD)
        self._decr = self.client.register_script(_DECR)
        self._gate_pass = self.client.register_script(_GATE_THROUGH)
        self._gate_failed = self.client.register_script(_GATE_FAILED)

    def _call(self, what: str, function, *args):
        try:
            return function(*args)
        except self._errors as exc:
            raise SharedStateError(f"shared state (redis) failed to {what}: {exc}") from exc

    def incr(self, key: str, ttl_ms: int) -> int:
        return int(self._call("increment", self._incr, [key], [ttl_ms]))

    def decr(self, key: str) -> int | None:
        value = self._call("decrement", self._decr, [key], [])
        return None if value is None else int(value)

    def get(self, key: str) -> str | None:
        return self._call("get", self.client.get, key)

    def set(self, key: str, value: str, ttl_ms: int | None) -> None:
        self._call("set", lambda: self.client.set(key, value, px=ttl_ms))

    def delete(self, key: str) -> bool:
        return bool(self._call("delete", self.client.delete, key))

    def pttl(self, key: str) -> int | None:
        ms = int(self._call("read a TTL", self.client.pttl, key))
        return None if ms < 0 else ms

    def set_add(self, key: str, member: str, expires_at: float) -> None:
        now_ms = math.floor(time.time() * 1000)
        self._call("add to a set", self._set_add, [key],
                   [member, math.ceil(expires_at * 1000), now_ms])

    def set_remove(self, key: str, member: str) -> bool:
        return bool(self._call("remove from a set", self.client.zrem, key, member))

    def set_members(self, key: str, now: float) -> dict[str, float]:
        rows = self._call("list a set", lambda: self.client.zrangebyscore(
            key, f"({math.floor(now * 1000)}", "+inf", withscores=True))
        return {member: score / 1000.0 for member, score in rows}

    def set_contains(self, key: str, member: str, now: float) -> bool:
        score = self._call("read a set", self.client.zscore, key, member)
        return score is not None and score / 1000.0 > now


    def gate_pass(self, key: str, now_ms: int, delays_ms: list[int], keep_ms: int) -> int:
        return int(self._call("pass a gate", self._gate_pass, [key],
                              [now_ms, keep_ms, *delays_ms]))

    def gate_failed(self, key: str, now_ms: int, delays_ms: list[int], keep_ms: int) -> int:
        return int(self._call("count a failure", self._gate_failed, [key],
                              [now_ms, keep_ms, *delays_ms]))

    def gate_state(self, key: str) -> tuple[int, int] | None:
        failures, opens_at = self._call("read a gate", self.client.hmget, key,
                                        "failures", "opens_at")
        if failures is None and opens_at is None:
            return None
        return int(failures or 0), int(float(opens_at or 0))


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
