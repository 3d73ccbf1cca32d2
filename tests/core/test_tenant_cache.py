"""The tenant cache: a process keeps each tenant until it changes, and never past a change.

- A change made in this process (a suspension, a contract line, settings)
  is seen by the next request at once: committing it empties the cache.
- A change made elsewhere, even by SQL of an operator's own, raises the
  platform's counter (triggers) and is seen within ``tenant_cache_seconds``
  (1): on the app's clock here, and between two real processes below.
- While the counter stays, tenants are not loaded again: one small query a
  second, whatever the number of tenants.
- Sessions are not cached: a token revoked in one process is refused by the
  next request in another.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text

from praxcloud.core.models import TENANT_ACTIVE, TENANT_SUSPENDED
from praxcloud.core.provisioning import set_status
from praxcloud.core.tenant_cache import TenantCache
from tests.api.conftest import login, set_tenant_settings
from tests.other_process import other_process

RECORDS = "/api/v1/acme/records"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- The cache on its own -------------------------------------------------------------
def counting_loader(table: dict):
    loads: list[str] = []

    def load(slug):
        loads.append(slug)
        return table.get(slug)
    return load, loads


class Counter:
    """The platform's counter as the cache reads it; ``reads`` counts the queries."""

    def __init__(self):
        self.value = 0
        self.reads = 0

    def __call__(self) -> int:
        self.reads += 1
        return self.value


def test_a_tenant_is_kept_while_the_counter_stays():
    clock, counter = Clock(), Counter()
    load, loads = counting_loader({"acme": "ACME", "beta": "BETA"})
    cache = TenantCache(load, ttl=1.0, max_size=10, version=counter, clock=clock)
    for _ in range(5):
        assert cache.get("acme") == "ACME" and cache.get("beta") == "BETA"
        clock.now += 1.0
    assert loads == ["acme", "beta"]
    # Once per second for the process, not once per tenant or per request.
    assert counter.reads == 5


def test_a_moved_counter_empties_the_cache_at_the_next_check():
    clock, counter = Clock(), Counter()
    table = {"acme": "ACME"}
    load, loads = counting_loader(table)
    cache = TenantCache(load, ttl=1.0, max_size=10, version=counter, clock=clock)
    assert cache.get("acme") == "ACME"
    table["acme"], counter.value = "ACME suspended", 1  # another process's change
    clock.now += 0.99
    assert cache.get("acme") == "ACME"
    clock.now += 0.01
    assert cache.get("acme") == "ACME suspended"
    assert loads == ["acme", "acme"]


def test_without_a_counter_tenants_are_loaded_again_each_period():
    clock = Clock()
    load, loads = counting_loader({"acme": "ACME"})
    cache = TenantCache(load, ttl=1.0, max_size=10, version=lambda: None, clock=clock)
    cache.get("acme")
    clock.now += 0.5
    cache.get("acme")
    clock.now += 0.5
    cache.get("acme")
    assert loads == ["acme", "acme"]


def test_unknown_slugs_are_not_kept_and_the_size_is_bounded():
    load, loads = counting_loader({f"t{n}": n for n in range(5)})
    cache = TenantCache(load, ttl=60, max_size=3, version=Counter(), clock=Clock())
    assert cache.get("nobody") is None and cache.get("nobody") is None
    assert loads == ["nobody", "nobody"]
    for n in range(5):
        cache.get(f"t{n}")
    assert len(cache) == 3
    cache.get("t4")
    assert loads.count("t4") == 1
    cache.get("t0")  # evicted, least recently used
    assert loads.count("t0") == 2


def test_a_load_overtaken_by_a_change_is_not_kept():
    cache = None

    def load(slug):
        cache.clear()  # a change commits while this load reads the old row
        return "old"

    cache = TenantCache(load, ttl=60, max_size=3, version=Counter(), clock=Clock())
    assert cache.get("acme") == "old"
    assert len(cache) == 0


def test_ttl_zero_asks_every_time():
    load, loads = counting_loader({"acme": "ACME"})
    counter = Counter()
    cache = TenantCache(load, ttl=0, max_size=3, version=counter, clock=Clock())
    cache.get("acme")
    cache.get("acme")
    assert loads == ["acme", "acme"] and counter.reads == 0


# --- In the app -----------------------------------------------------------------------
@pytest.fixture
def clock(registry) -> Clock:
    clock = Clock()
    registry.tenancy.tenants.clock = clock
    registry.tenancy.tenants.clear()  # entries of the set-up, on the real clock
    return clock


def test_changes_made_in_this_process_are_seen_at_once(tenant, registry, testapp, clock):
    headers = login(testapp, "acme", "staff@acme.test")
    assert testapp.get(RECORDS, headers=headers).status_int == 200
    set_status(registry.tenancy, "acme", TENANT_SUSPENDED)
    answer = testapp.get(RECORDS, headers=headers, status=403)
    assert answer.json["error"]["code"] == "tenant_suspended"
    set_status(registry.tenancy, "acme", TENANT_ACTIVE)
    assert testapp.get(RECORDS, headers=headers).status_int == 200
    # Settings written by any platform session of this process empty the cache.
    set_tenant_settings(registry, "acme", cors_origins=["https://app.acme.test"])
    answer = testapp.get(RECORDS, headers={**headers, "Origin": "https://app.acme.test"})
    assert answer.headers["Access-Control-Allow-Origin"] == "https://app.acme.test"


def platform_sql(settings, statement: str, **values) -> None:
    """SQL sent to the platform database as another process (or psql) would send it."""
    elsewhere = create_engine(settings["praxcloud.platform_db_url"])
    try:
        with elsewhere.begin() as connection:
            connection.execute(text(statement), values)
    finally:
        elsewhere.dispose()


def test_a_change_made_elsewhere_is_seen_within_a_second(tenant, registry, testapp,
                                                         settings, clock):
    headers = login(testapp, "acme", "staff@acme.test")
    assert testapp.get(RECORDS, headers=headers).status_int == 200
    platform_sql(settings, "UPDATE tenants SET status = :s WHERE slug = 'acme'",
                 s=TENANT_SUSPENDED)
    clock.now += 0.5
    assert testapp.get(RECORDS, headers=headers).status_int == 200
    clock.now += 0.5
    testapp.get(RECORDS, headers=headers, status=403)


def test_an_unchanged_tenant_is_not_loaded_again(tenant, registry, testapp, clock):
    headers = login(testapp, "acme", "staff@acme.test")
    cache = registry.tenancy.tenants
    cache.clear()
    loads = []
    real_load = cache._load
    cache._load = lambda slug: loads.append(slug) or real_load(slug)
    for _ in range(3):
        assert testapp.get(RECORDS, headers=headers).status_int == 200
        clock.now += 5
    assert loads == ["acme"]


ADD_CONTRACT_LINE = ("INSERT INTO tenant_plugins (tenant_id, plugin, settings, enabled_at) "
                     "SELECT id, 'hello', '{}', created_at FROM tenants WHERE slug = 'acme'")


@pytest.mark.parametrize("statements", [
    ["UPDATE tenants SET name = 'Renamed' WHERE slug = 'acme'"],
    [ADD_CONTRACT_LINE, "UPDATE tenant_plugins SET settings = '{\"a\": 1}'"],
    [ADD_CONTRACT_LINE, "DELETE FROM tenant_plugins"],
    ["DELETE FROM tenants WHERE slug = 'acme'"],
])
def test_every_write_to_tenants_or_their_contracts_moves_the_counter(tenant, registry,
                                                                     settings, statements):
    for statement in statements:
        before = registry.tenancy._tenants_version()
        platform_sql(settings, statement)
        # PostgreSQL counts a cascade to tenant_plugins as a second change.
        assert registry.tenancy._tenants_version() > before, statement


# --- Two processes --------------------------------------------------------------------
def test_a_suspension_reaches_another_process_within_a_second(tenant, registry, testapp,
                                                              settings, tmp_path):
    headers = login(testapp, "acme", "staff@acme.test")
    with other_process(settings, tmp_path) as other:
        assert other.get(RECORDS, headers) == 200  # now in the other process's cache
        set_status(registry.tenancy, "acme", TENANT_SUSPENDED)
        suspended_at = time.monotonic()
        testapp.get(RECORDS, headers=headers, status=403)
        while other.get(RECORDS, headers) == 200:
            assert time.monotonic() - suspended_at < 2, "still served after two seconds"
            time.sleep(0.02)
        # One second of cache, and the last round trip that found it served.
        assert time.monotonic() - suspended_at < 1.2
        assert other.get(RECORDS, headers) == 403


def test_a_revoked_token_is_refused_at_once_in_another_process(tenant, testapp, settings,
                                                               tmp_path):
    headers = login(testapp, "acme", "staff@acme.test")
    with other_process(settings, tmp_path) as other:
        assert other.get(RECORDS, headers) == 200
        testapp.post("/api/v1/acme/auth/logout", headers=headers, status=204)
        assert other.get(RECORDS, headers) == 401


def test_the_cached_tenant_refuses_changes(tenant, registry):
    from praxcloud.core.models import TenantPlugin
    from praxcloud.core.scripting import tenant_request
    from praxcloud.core.tenant_cache import ReadOnlyTenant

    with tenant_request(registry, "acme") as request:
        with pytest.raises(ReadOnlyTenant, match="Tenancy.editable"):
            request.tenant.settings = {"idle_timeout_minutes": 5}
        with pytest.raises(ReadOnlyTenant):
            request.tenant.plugins.append(TenantPlugin(plugin="hello", settings={}))
        # The way to change it: loaded in the request's platform session, written at commit.
        editable = registry.tenancy.editable(request.dbsession, request.tenant)
        editable.settings = {"idle_timeout_minutes": 5}
    with tenant_request(registry, "acme") as request:
        assert request.tenant.settings == {"idle_timeout_minutes": 5}
