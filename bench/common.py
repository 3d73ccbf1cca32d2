"""What both benchmarks share: settings, a tenant full of records, timing, the machine.

Benchmarks print ratios measured in one run on one machine; they are not
tests and assert nothing. Run them from the repository root:
``python bench/records_plugins.py`` and ``python bench/many_tenants.py``
(``--quick`` for a short run).
"""

from __future__ import annotations

import cProfile
import datetime as dt
import gc
import os
import platform
import pstats
import resource
import statistics
import sys
import time
from pathlib import Path

import webtest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    # For tests.plugin_host.install_hello (installing the example plugin).
    sys.path.insert(0, str(ROOT))

from praxcloud.core.provisioning import create_tenant  # noqa: E402
from praxcloud.core.records import create as create_record  # noqa: E402
from praxcloud.core.scripting import tenant_request  # noqa: E402
from praxcloud.core.user_admin import create_user  # noqa: E402
from praxcloud.testing import PASSWORD, api_login, base_settings, bearer  # noqa: E402
from praxcloud.testing.app import build_app  # noqa: E402, F401 - the benchmarks build from here
from praxcloud.testing.clients import new_testapp  # noqa: E402

EMAIL = "bench@bench.test"
RECORDS_URL = "/api/v1/{slug}/records?per_page=50"


def bench_settings(directory: Path, **extra) -> dict:
    """praxcloud.testing's settings (SQLite under ``directory``, cheap password hashing for the
    set-up's logins: the measured requests check a token), with Celery tasks run inline."""
    return {**base_settings(directory), "praxcloud.celery_eager": "true",
            # As in production: the app lives as long as the process, and record
            # views reach the trail in batches.
            "praxcloud.gc_freeze": "true", "praxcloud.audit_view_batch_seconds": "0.5",
            **extra}


def client(wsgi) -> webtest.TestApp:
    # No WSGI lint: it is checking, not serving, and would dominate the timing.
    return new_testapp(wsgi, lint=False)


def make_tenant_with_records(registry, slug: str, records: int = 60) -> None:
    """A tenant made the proper way, with a staff user and ``records`` records."""
    create_tenant(registry.tenancy, slug, slug.title())
    with tenant_request(registry, slug) as request:
        create_user(request, EMAIL, PASSWORD, ["staff"])
        for number in range(records):
            create_record(request.tenant_db, {
                "name": f"Person {number:04d}", "email": f"person{number}@example.test",
                "phone": "+41 44 000 00 00", "notes": "bench record " * 5,
                "date_of_birth": f"19{number % 100:02d}-0{number % 9 + 1}-1{number % 10}",
                "fields": {"class": number % 7, "tags": "a, b"},
            })


def login(app: webtest.TestApp, slug: str) -> dict:
    return bearer(api_login(app, slug, EMAIL))


def peak_memory_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median_ms(seconds: list[float]) -> float:
    return statistics.median(seconds) * 1000


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}, load average {load}, "
            f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")


def records_rate(app, slug: str, headers: dict, requests: int) -> float:
    """Records pages (``RECORDS_URL``) per second, ``requests`` of them one after another."""
    url = RECORDS_URL.format(slug=slug)
    gc.collect()
    start = time.perf_counter()
    for _ in range(requests):
        app.get(url, headers=headers)
    return requests / (time.perf_counter() - start)


def calls_per_request(app, slug: str, headers: dict, requests: int = 50) -> float:
    """Python function calls per records request: the work done, whatever else runs."""
    profiler = cProfile.Profile()
    profiler.enable()
    records_rate(app, slug, headers, requests)
    profiler.disable()
    return pstats.Stats(profiler).total_calls / requests


def interleaved(measure, rounds: int, tenants: tuple[str, ...]) -> dict[str, float]:
    """``measure(slug)`` for each tenant, ``rounds`` times, the order reversed every other
    round (neither side always runs first, on a warmer machine); the medians."""
    found: dict[str, list[float]] = {slug: [] for slug in tenants}
    for number in range(rounds):
        for slug in tenants if number % 2 == 0 else reversed(tenants):
            found[slug].append(measure(slug))
    return {slug: statistics.median(values) for slug, values in found.items()}
