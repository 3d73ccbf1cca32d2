"""The shared state's Redis backend: every process with the same URL sees the same state.

Each operation that reads and writes is one Lua script, so no two processes
can interleave between the read and the write (:mod:`.shared_state` has the
operations' meaning; ``MemoryBackend`` there is the one-process twin).
"""

from __future__ import annotations

import math
import time

from .errors import SharedStateError

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
# what lets exactly one of many simultaneous attempts through. The time is
# Redis's own (TIME), not ARGV's: web processes on several machines read
# clocks that differ, and a gate must open at one moment for all of them.
# (Redis 5+ replicates a script's effects, so TIME is allowed in it.)
_SERVER_NOW = """
local server_time = redis.call('TIME')
local now = tonumber(server_time[1]) * 1000 + math.floor(tonumber(server_time[2]) / 1000)
"""
_GATE_THROUGH = _SERVER_NOW + """
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

_GATE_FAILED = _SERVER_NOW + """
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
        # now_ms is the caller's clock; the scripts read Redis's (see _SERVER_NOW).
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
