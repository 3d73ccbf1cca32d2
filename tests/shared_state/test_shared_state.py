"""The shared store on both backends: process memory always, Redis when it is there."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from praxcloud.core.shared_state import (
    MemoryBackend,
    RedisBackend,
    SharedState,
    SharedStateError,
    build_shared_state,
)
from praxcloud.testing import REDIS_URL, FakeClock, need


@pytest.fixture
def prefix():
    return f"pxtest:{uuid.uuid4().hex[:10]}:"


def redis_cleanup(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    client.close()


@pytest.fixture(params=["memory", "redis"])
def make_store(request, prefix):
    """make_store() -> a new store instance, as a separate process would build it."""
    if request.param == "memory":
        backend = MemoryBackend()
        yield lambda: SharedState(backend, prefix)
        return
    need(bool(REDIS_URL), "PRAXCLOUD_TEST_REDIS_URL is not set")
    settings = {"praxcloud.shared_state_url": REDIS_URL, "praxcloud.shared_state_prefix": prefix}
    yield lambda: build_shared_state(settings)
    redis_cleanup(prefix)


@pytest.fixture
def store(make_store):
    return make_store()


def test_incr_counts_from_one(store):
    assert store.get("hits") is None
    assert [store.incr("hits", 60) for _ in range(3)] == [1, 2, 3]
    assert store.get("hits") == "3"


def test_incr_is_atomic_under_threads(store):
    barrier = threading.Barrier(8)
    seen: list[int] = []
    lock = threading.Lock()

    def hammer():
        barrier.wait()
        mine = [store.incr("contended", 60) for _ in range(200)]
        with lock:
            seen.extend(mine)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert store.get("contended") == "1600"
    # Every increment got its own value: no two callers saw the same count.
    assert sorted(seen) == list(range(1, 1601))


def test_decr_takes_one_back_and_keeps_the_window(store):
    assert store.decr("taken") is None  # nothing to take back: not created
    assert store.get("taken") is None
    store.incr("taken", 60)
    store.incr("taken", 60)
    assert store.decr("taken") == 1
    assert store.get("taken") == "1"
    assert 0 < store.ttl("taken") <= 60


def test_decr_does_not_bring_back_an_expired_counter():
    now = [1000.0]
    backend = MemoryBackend(clock=lambda: now[0])
    store = SharedState(backend, "px:", clock=lambda: now[0])
    store.incr("window", 10)
    now[0] += 11
    assert store.decr("window") is None
    assert store.get("window") is None and store.ttl("window") is None


# Short TTLs keep these tests quick; the margins leave room for a busy machine.
def test_first_incr_sets_the_ttl_and_later_ones_keep_it(store):
    store.incr("window", 0.6)
    first = store.ttl("window")
    assert 0 < first <= 0.6
    time.sleep(0.2)
    store.incr("window", 60)
    assert store.ttl("window") <= first - 0.15
    time.sleep(0.5)
    assert store.get("window") is None
    assert store.ttl("window") is None
    assert store.incr("window", 60) == 1


def test_values_set_get_delete_and_expire(store):
    store.set("plain", "value")
    assert store.get("plain") == "value"
    assert store.ttl("plain") is None
    store.set("brief", 42, ttl_seconds=0.6)
    assert store.get("brief") == "42"
    assert 0 < store.ttl("brief") <= 0.6
    assert store.delete("plain") is True
    assert store.delete("plain") is False
    assert store.get("plain") is None
    time.sleep(0.7)
    assert store.get("brief") is None


def test_set_members_expire_one_by_one(store):
    before = time.time()
    store.add_to_set("blacklist", "192.0.2.1", 0.6)
    store.add_to_set("blacklist", "192.0.2.2", 60)
    members = store.members("blacklist")
    assert set(members) == {"192.0.2.1", "192.0.2.2"}
    assert before < members["192.0.2.1"] <= time.time() + 0.6
    assert members["192.0.2.2"] > before + 59
    assert store.is_member("blacklist", "192.0.2.1")
    time.sleep(0.7)
    assert not store.is_member("blacklist", "192.0.2.1")
    assert store.is_member("blacklist", "192.0.2.2")
    assert set(store.members("blacklist")) == {"192.0.2.2"}
    assert store.remove_from_set("blacklist", "192.0.2.2") is True
    assert store.remove_from_set("blacklist", "192.0.2.2") is False
    assert store.members("blacklist") == {}
    assert not store.is_member("blacklist", "203.0.113.9")


def test_readding_a_member_sets_its_new_expiry(store):
    store.add_to_set("blacklist", "192.0.2.1", 0.2)
    store.add_to_set("blacklist", "192.0.2.1", 60)
    time.sleep(0.3)
    assert store.is_member("blacklist", "192.0.2.1")


def test_the_set_key_lives_as_long_as_its_last_member(store):
    store.add_to_set("mixed", "a", 0.2)
    store.add_to_set("mixed", "b", 60)
    store.add_to_set("mixed", "c", 1)
    # Expiry is an absolute time from this process's clock; Redis counts it
    # down on its own, so allow a few milliseconds of rounding between them.
    assert 55 < store.ttl("mixed") <= 60.05
    store.add_to_set("short", "a", 0.2)
    store.add_to_set("short", "b", 0.3)
    assert store.ttl("short") <= 0.35  # rounding to milliseconds
    time.sleep(0.4)
    assert store.ttl("short") is None
    assert store.members("short") == {}


def test_tenants_do_not_share_keys(store):
    acme, beta = store.for_tenant("acme"), store.for_tenant("beta")
    acme.incr("failed:alice", 60)
    acme.incr("failed:alice", 60)
    assert beta.incr("failed:alice", 60) == 1
    assert store.get("failed:alice") is None
    acme.add_to_set("blacklist", "192.0.2.1", 60)
    assert beta.members("blacklist") == {}
    assert acme.key("x") == store.prefix + "tenant:acme:x"
    assert store.namespace("waf").key("x") == store.prefix + "waf:x"


@pytest.mark.parametrize("slug", ["", "Acme", "acme:other", "../x", None])
def test_tenant_namespace_needs_a_slug(store, slug):
    with pytest.raises(ValueError):
        store.for_tenant(slug)


@pytest.mark.parametrize("name", ["", "tenant", "a:b"])
def test_platform_namespace_cannot_overlap_tenants(store, name):
    with pytest.raises(ValueError):
        store.namespace(name)


@pytest.mark.parametrize("ttl", [0, -1, float("nan"), float("inf"), True, "60", None])
def test_bad_ttl_is_refused(store, ttl):
    with pytest.raises(ValueError):
        store.incr("k", ttl)
    with pytest.raises(ValueError):
        store.add_to_set("s", "m", ttl)


def test_wrong_kind_of_key_raises(store):
    store.add_to_set("a-set", "m", 60)
    with pytest.raises(SharedStateError):
        store.incr("a-set", 60)
    store.set("text", "not a number")
    with pytest.raises(SharedStateError):
        store.incr("text", 60)
    with pytest.raises(SharedStateError):
        store.add_to_set("text", "m", 60)


def test_two_instances_share_state_only_on_redis(make_store, request):
    first, second = make_store(), make_store()
    first.incr("shared", 60)
    first.add_to_set("listed", "192.0.2.7", 60)
    if isinstance(first.backend, RedisBackend):
        # Two processes: both see one counter and one list.
        assert second.incr("shared", 60) == 2
        assert second.is_member("listed", "192.0.2.7")
    else:
        assert isinstance(first.backend, MemoryBackend)
        assert first.backend is second.backend
        assert second.incr("shared", 60) == 2


def test_two_memory_stores_are_separate_processes():
    first = build_shared_state({"praxcloud.shared_state_url": "memory://"})
    second = build_shared_state({})
    first.incr("k", 60)
    assert second.get("k") is None


def test_memory_sweeps_keys_nobody_reads(prefix):
    now = [1000.0]
    backend = MemoryBackend(clock=lambda: now[0], sweep_every=10)
    store = SharedState(backend, prefix, clock=lambda: now[0])
    for n in range(9):
        store.incr(f"once-{n}", 5)
    now[0] += 10
    store.incr("trigger", 5)
    assert list(backend._items) == [prefix + "trigger"]


def test_redis_errors_surface_as_exceptions():
    """A store that cannot be reached refuses; it never answers 0 or 'not listed'."""
    store = build_shared_state({"praxcloud.shared_state_url": "redis://127.0.0.1:1/0",
                                "praxcloud.shared_state_timeout_ms": "200"})
    for call in (lambda: store.incr("k", 60), lambda: store.get("k"),
                 lambda: store.is_member("s", "m"), lambda: store.members("s"),
                 lambda: store.add_to_set("s", "m", 60), lambda: store.ttl("k"),
                 lambda: store.decr("k")):
        with pytest.raises(SharedStateError, match="shared state \\(redis\\) failed"):
            call()


def test_unknown_store_url_is_a_configuration_error():
    with pytest.raises(ValueError, match="unsupported store 'memcached'"):
        build_shared_state({"praxcloud.shared_state_url": "memcached://localhost"})


def test_registry_carries_the_store(registry):
    assert isinstance(registry.shared_state, SharedState)
    assert isinstance(registry.shared_state.backend, MemoryBackend)
    assert registry.shared_state.incr("from-app", 60) == 1


def test_registry_store_on_redis(settings):
    need(bool(REDIS_URL), "PRAXCLOUD_TEST_REDIS_URL is not set")
    from praxcloud import main

    prefix = f"pxtest:{uuid.uuid4().hex[:10]}:"
    wsgi = main({}, **{**settings, "praxcloud.shared_state_url": REDIS_URL,
                       "praxcloud.shared_state_prefix": prefix})
    try:
        assert isinstance(wsgi.registry.shared_state.backend, RedisBackend)
        other = build_shared_state({"praxcloud.shared_state_url": REDIS_URL,
                                    "praxcloud.shared_state_prefix": prefix})
        wsgi.registry.shared_state.for_tenant("acme").incr("seen", 60)
        assert other.for_tenant("acme").get("seen") == "1"
    finally:
        wsgi.registry.tenancy.dispose()
        redis_cleanup(prefix)


# Back-off gates ------------------------------------------------------------------
DELAYS = (2, 4, 16)


def test_a_gate_lets_one_attempt_through_and_closes_longer_after_each_failure():
    clock = FakeClock()
    store = SharedState(MemoryBackend(clock=clock), "t:", clock=clock)
    assert store.gate_state("acct") is None
    assert store.gate_pass("acct", DELAYS, 3600) == 0.0
    # Closed behind the attempt while it runs (for the wait it earns if it fails).
    assert store.gate_pass("acct", DELAYS, 3600) == 2.0
    waits = []
    for _ in range(5):
        failures = store.gate_failed("acct", DELAYS, 3600)
        waits.append(store.gate_pass("acct", DELAYS, 3600))
        clock.advance(waits[-1])
        assert store.gate_pass("acct", DELAYS, 3600) == 0.0
        assert store.gate_state("acct").failures == failures
    assert waits == [2.0, 4.0, 16.0, 16.0, 16.0]
    assert store.delete("acct")  # a success
    assert store.gate_pass("acct", DELAYS, 3600) == 0.0
    assert store.gate_state("acct").failures == 0


def test_a_gate_is_forgotten_after_its_keep_time():
    clock = FakeClock()
    store = SharedState(MemoryBackend(clock=clock), "t:", clock=clock)
    store.gate_pass("acct", DELAYS, 60)
    store.gate_failed("acct", DELAYS, 60)
    clock.advance(61)
    assert store.gate_state("acct") is None


def test_gates_on_both_backends(store):
    assert store.gate_pass("g", DELAYS, 60) == 0.0
    assert store.gate_failed("g", DELAYS, 60) == 1
    left = store.gate_pass("g", DELAYS, 60)
    assert 1.5 < left <= 2.0
    state = store.gate_state("g")
    assert state.failures == 1 and state.opens_at > time.time()
    assert 0 < store.ttl("g") <= 60
    assert store.delete("g")
    assert store.gate_state("g") is None
    with pytest.raises(ValueError):
        store.gate_pass("g", (), 60)


def test_redis_gates_keep_redis_time_whatever_a_processes_clock_says(prefix):
    """Two web processes whose clocks are an hour apart see the gate open at one moment."""
    need(bool(REDIS_URL), "PRAXCLOUD_TEST_REDIS_URL is not set")
    settings = {"praxcloud.shared_state_url": REDIS_URL, "praxcloud.shared_state_prefix": prefix}
    ahead = SharedState(build_shared_state(settings).backend, prefix,
                        clock=lambda: time.time() + 3600)
    behind = SharedState(build_shared_state(settings).backend, prefix,
                         clock=lambda: time.time() - 3600)
    try:
        assert ahead.gate_pass("g", DELAYS, 60) == 0.0
        assert ahead.gate_failed("g", DELAYS, 60) == 1
        assert 1.5 < behind.gate_pass("g", DELAYS, 60) <= 2.0
        assert 1.5 < ahead.gate_pass("g", DELAYS, 60) <= 2.0
        assert abs(behind.gate_state("g").opens_at - time.time() - 2.0) < 1.0
    finally:
        redis_cleanup(prefix)


def test_of_many_attempts_at_once_one_passes_a_gate(make_store):
    """Eight threads with stores of their own (as processes would be) try 25 times each."""
    barrier = threading.Barrier(8)
    passed: list[int] = []
    lock = threading.Lock()

    def attempt():
        mine = make_store()
        barrier.wait()
        for _ in range(25):
            if mine.gate_pass("contended", (30,), 60) == 0.0:
                with lock:
                    passed.append(1)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(passed) == 1
