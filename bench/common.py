"""What both benchmarks share: settings, a tenant full of records, timing, the machine.

Benchmarks print ratios measured in one run on one machine; they are not
tests and assert nothing. Run them from the repository root:
``python bench/records_plugins.py`` and ``python bench/many_tenants.py``
(``--quick`` for a short run).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import resource
import statistics
import sys
from pathlib import Path

import webtest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    # For tests.plugin_host.install_hello (installing the example plugin).
    sys.path.insert(0, str(ROOT))

from praxcloud import main  # noqa: E402
from praxcloud.core.crypto import encode_key, generate_key  # noqa: E402
from praxcloud.core.migrations import upgrade_platform  # noqa: E402
from praxcloud.core.provisioning import create_tenant  # noqa: E402
from praxcloud.core.records import create as create_record  # noqa: E402
from praxcloud.core.scripting import tenant_request  # noqa: E402
from praxcloud.core.user_admin import create_user  # noqa: E402

PASSWORD = "bench horse battery staple"
EMAIL = "bench@bench.test"
RECORDS_URL = "/api/v1/{slug}/records?per_page=50"


def bench_settings(directory: Path, **extra) -> dict:
    """SQLite platform and tenants under ``directory``; cheap password hashing (setup only)."""
    return {
        "praxcloud.platform_db_url": f"sqlite:///{directory}/platform.sqlite",
        "praxcloud.tenant_db_backend": "sqlite",
        "praxcloud.tenant_data_dir": str(directory / "tenants"),
        "praxcloud.master_key": encode_key(generate_key()),
        # Logins happen during set-up only; the measured request checks a token.
        "praxcloud.argon2.rounds": "1",
        "praxcloud.argon2.memory_cost": "1024",
        "praxcloud.mail_backend": "folder",
        "mail.top_level_directory": str(directory / "mail"),
        "praxcloud.base_url": "http://localhost",
        "praxcloud.celery_eager": "true",
        "pyramid.reload_templates": "false",
        **extra,
    }


def build_app(settings: dict):
    wsgi = main({}, **settings)
    upgrade_platform(wsgi.registry.tenancy.platform_engine)
    return wsgi


def client(wsgi) -> webtest.TestApp:
    # No WSGI lint: it is checking, not serving, and would dominate the timing.
    return webtest.TestApp(wsgi, lint=False, extra_environ={"HTTP_HOST": "localhost",
                                                            "REMOTE_ADDR": "127.0.0.1"})


def make_tenant_with_records(registry, slug: str, records: int = 60) -> None:
    """A tenant made the proper way, with a staff user and ``records`` records."""
    create_tenant(registry.tenancy, slug, slug.title())
    with tenant_request(registry, slug) as request:
        create_user(request, EMAIL, PASSWORD, ["staff"])
        for number in range(records):
            create_record(request.tenant_db, {
                "name": f"Person {number:04d}", "email": f"person{number}@example.test",
                "phone": "+41 44 000 00 00", "notes": "bench record " * 5,
                "fields": {"class": number % 7, "tags": "a, b"},
            })


def login(app: webtest.TestApp, slug: str) -> dict:
    token = app.post_json(f"/api/v1/{slug}/auth/login",
                          {"email": EMAIL, "password": PASSWORD}).json["token"]
    return {"Authorization": f"Bearer {token}"}


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
