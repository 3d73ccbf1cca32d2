"""The settle window of field moves and key rotations: real seconds in production,
a fake clock under the test harness (so tests do not sleep through it).

What the window is for (rows written the old way during it are found by the
scan after it) is proven in tests/plugins/field_encryption (test_moves.py
and test_keys.py), on the harness's clock.
"""

from __future__ import annotations

import time

from praxcloud import main
from praxcloud.core import settle
from praxcloud.testing import FakeClock, base_settings


def built(settings: dict):
    wsgi = main({}, **settings)
    return wsgi, wsgi.registry


def test_production_waits_in_real_time(tmp_path):
    settings = base_settings(tmp_path)
    del settings["pyramid.includes"]
    wsgi, registry = built(settings)
    try:
        assert settle.clock_of(registry) is settle.REAL
        # tenant_cache_seconds (1 by default) + 1.
        assert settle.window(registry) == 2.0
        before = time.monotonic()
        settle.wait(registry, settle.REAL(), 0.2)
        assert time.monotonic() - before >= 0.2
        # Time already spent since the start counts towards the window.
        before = time.monotonic()
        settle.wait(registry, settle.REAL() - 10, 0.2)
        assert time.monotonic() - before < 0.1
    finally:
        registry.tenancy.dispose()


def test_under_the_harness_waiting_moves_a_fake_clock(tmp_path):
    settings = {**base_settings(tmp_path), "praxcloud.tenant_cache_seconds": "5"}
    wsgi, registry = built(settings)
    try:
        clock = settle.clock_of(registry)
        assert isinstance(clock, FakeClock)
        started = clock()
        clock.advance(1.5)
        before = time.monotonic()
        settle.wait(registry, started)
        assert time.monotonic() - before < 0.5
        # Exactly the rest of the window, tenant_cache_seconds + 1, has passed on it.
        assert clock() - started == 6.0
        settle.wait(registry, started)
        assert clock() - started == 6.0
    finally:
        registry.tenancy.dispose()
