"""The tenant cache: a process keeps each tenant a second at most, and never past a change.

- A change made in this process (a suspension, a contract line, settings)
  is seen by the next request at once: committing it empties the cache.
- A change made elsewhere is seen within ``tenant_cache_seconds`` (1): on
  the app's clock here, and between two real processes below.
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


def test_a_tenant_is_loaded_once_per_ttl():
    clock = Clock()
    load, loads = counting_loader({"acme": "ACME"})
    cache = TenantCache(load, ttl=1.0, max_size=10, clock=clock)
    assert cache.get("acme") == "ACME"
    clock.now += 0.99
    assert cache.get("acme") == "ACME"
    assert loads == ["acme"]
    clock.now += 0.01
    assert cache.get("acme") == "ACME"
    assert loads == ["acme", "acme"]


def test_unknown_slugs_are_not_kept_and_the_size_is_bounded():
    load, loads = counting_loader({f"t{n}": n for n in range(5)})
    cache = TenantCache(load, ttl=60, max_size=3, clock=Clock())
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

    cache = TenantCache(load, ttl=60, max_size=3, clock=Clock())
    assert cache.get("acme") == "old"
    assert len(cache) == 0


def test_ttl_zero_asks_every_time():
    load, loads = counting_loader({"acme": "ACME"})
    cache = TenantCache(load, ttl=0, max_size=3, clock=Clock())
    cache.get("acme")
    cache.get("acme")
    assert loads == ["acme", "acme"]


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


def test_a_change_made_elsewhere_is_seen_when_the_entry_expires(tenant, registry, testapp,
                                                                 settings, clock):
    headers = login(testapp, "acme", "staff@acme.test")
    assert testapp.get(RECORDS, headers=headers).status_int == 200
    # Another process's write: not through this process's sessions.
    elsewhere = create_engine(settings["praxcloud.platform_db_url"])
    try:
        with elsewhere.begin() as connection:
            connection.execute(text("UPDATE tenants SET status = :s WHERE slug = 'acme'"),
                               {"s": TENANT_SUSPENDED})
    finally:
        elsewhere.dispose()
    clock.now += 0.5
    assert testapp.get(RECORDS, headers=headers).status_int == 200
    clock.now += 0.5
    testapp.get(RECORDS, headers=headers, status=403)


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
