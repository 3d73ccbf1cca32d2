"""1,000 SQLite tenants: does the records request slow down when it rotates over all of them?

Creates the tenants (one made properly with ``create_tenant``, a staff user
and 60 records; the others get real tenant rows of their own, each with its
own generated key wrapped by the master key and its own database URL sealed
under that key, and a copy of the first one's database file), logs in to
every tenant to get a real API token each, then measures the median latency
of the authenticated ``GET /api/v1/{tenant}/records?per_page=50``:

- rotating over every tenant (each request names another tenant, with
  that tenant's token), and
- always the same tenant, rotating over as many tokens (sessions) of it,

in interleaved blocks, with ``praxcloud.tenant_engines_max`` at its default
(1,024 on SQLite: every tenant's engine stays open, which the peak memory
shows; ``--set praxcloud.tenant_engines_max=64`` measures a rotation that
keeps missing the engine cache instead). Both sides rotate
over the same number of sessions because a session records its last use at
most once a minute (``authsessions.TOUCH_INTERVAL``): a token used every few
milliseconds would skip that write while one used once per rotation would
not, and the comparison would measure the write, not the number of
tenants. The same tenant with a single token is printed too, for reference.
Prints the ratio (target <= 1.3) and the process's peak memory (ru_maxrss).

    python bench/many_tenants.py [--quick] [--tenants N] [--set KEY=VALUE ...]
"""

from __future__ import annotations

import argparse
import gc
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from common import (
    RECORDS_URL,
    bench_settings,
    build_app,
    client,
    login,
    machine,
    make_tenant_with_records,
    median_ms,
    peak_memory_mb,
)
from sqlalchemy.engine import URL

from praxcloud.core.models import TENANT_ACTIVE, Tenant
from praxcloud.core.settings import settings_of


def slug_of(number: int) -> str:
    return f"t{number:04d}"


def clone_tenants(registry, template: str, count: int) -> list[str]:
    """Tenants 1..count-1 as copies of ``template``'s database, each with its own key and URL."""
    tenancy = registry.tenancy
    directory = Path(settings_of(registry).tenant_data_dir)
    source = directory / f"{template}.sqlite"
    tenancy.engines.forget(template)
    with sqlite3.connect(source) as connection:  # everything into the main file
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    slugs = [template]
    with tenancy.platform_session() as platform_db:
        for number in range(1, count):
            slug = slug_of(number)
            path = directory / f"{slug}.sqlite"
            shutil.copyfile(source, path)
            tenant = Tenant(slug=slug, name=f"Tenant {number}", status=TENANT_ACTIVE,
                            settings={}, wrapped_key=tenancy.keyring.new_wrapped_tenant_key(slug),
                            sealed_db_url=b"")
            tenant.sealed_db_url = tenancy.seal_db_url(
                tenant, str(URL.create("sqlite", database=str(path.resolve()))))
            platform_db.add(tenant)
            slugs.append(slug)
    return slugs


def timed(app, slug: str, headers: dict, cpu: list[float] | None = None) -> float:
    """Wall-clock seconds of one request; its CPU seconds are appended to ``cpu``."""
    start, started_cpu = time.perf_counter(), time.process_time()
    app.get(RECORDS_URL.format(slug=slug), headers=headers)
    if cpu is not None:
        cpu.append(time.process_time() - started_cpu)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (a smoke test)")
    parser.add_argument("--tenants", type=int, default=None, help="number of tenants")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="an ini setting for the app, e.g. praxcloud.tenant_engines_max=1024")
    args = parser.parse_args()
    count = args.tenants or (200 if args.quick else 1000)
    blocks, block_size = (4, 100) if args.quick else (10, 300)

    with tempfile.TemporaryDirectory() as scratch:
        # No plugins: the question is what the number of tenants costs.
        extra = dict(item.split("=", 1) for item in args.set)
        wsgi = build_app(bench_settings(Path(scratch), **{"praxcloud.load_plugins": "false",
                                                          **extra}))
        registry = wsgi.registry
        started = time.perf_counter()
        make_tenant_with_records(registry, slug_of(0))
        slugs = clone_tenants(registry, slug_of(0), count)
        app = client(wsgi)
        single = slugs[0]
        # (slug, headers) per request, in rotation order.
        rotations = {
            "tenants": [(slug, login(app, slug)) for slug in slugs],
            "sessions": [(single, login(app, single)) for _ in slugs],
            "one session": [(single, login(app, single))],
        }
        random.Random(7).shuffle(rotations["tenants"])
        print(f"machine: {machine()}")
        print(f"{len(slugs)} tenants ready in {time.perf_counter() - started:.0f} s; "
              f"tenant engine cache: {registry.tenancy.engines.max_size} engines")

        for rotation in rotations.values():  # warm-up
            for slug, headers in rotation[:50]:
                timed(app, slug, headers)
        latencies: dict[str, list[float]] = {kind: [] for kind in rotations}
        cpu_times: dict[str, list[float]] = {kind: [] for kind in rotations}
        positions = dict.fromkeys(rotations, 0)
        for block in range(blocks):
            gc.collect()
            kinds = list(rotations) if block % 2 == 0 else list(reversed(rotations))
            for kind in kinds:
                rotation = rotations[kind]
                for _ in range(block_size):
                    slug, headers = rotation[positions[kind] % len(rotation)]
                    positions[kind] += 1
                    latencies[kind].append(timed(app, slug, headers, cpu_times[kind]))
            print(f"  block {block + 1:2d}: " + "   ".join(
                f"{kind} {median_ms(values):6.2f} ms" for kind, values in latencies.items())
                + " (running medians)")

        def line(label: str, kind: str) -> str:
            values = latencies[kind]
            return (f"{label}: median {median_ms(values):6.2f} ms "
                    f"(p90 {statistics.quantiles(values, n=10)[-1] * 1000:6.2f} ms, "
                    f"median CPU {median_ms(cpu_times[kind]):6.2f} ms)")

        print(line(f"rotating over {len(slugs)} tenants (1 session each)  ", "tenants"))
        print(line(f"1 tenant, rotating over {len(slugs)} sessions        ", "sessions"))
        print(line("1 tenant, 1 session (touched once a minute)     ", "one session"))
        rotating = median_ms(latencies["tenants"])
        print(f"ratio {len(slugs)} tenants / 1 tenant = "
              f"{rotating / median_ms(latencies['sessions']):.3f}"
              f"  (target <= 1.3; same number of sessions on both sides)")
        print(f"ratio of median CPU time per request = "
              f"{median_ms(cpu_times['tenants']) / median_ms(cpu_times['sessions']):.3f}"
              f"  (insensitive to other processes on the machine)")
        print(f"ratio {len(slugs)} tenants / 1 tenant with 1 session = "
              f"{rotating / median_ms(latencies['one session']):.3f}  (for reference)")
        print(f"engines held at the end: {len(registry.tenancy.engines)}")
        print(f"peak memory (ru_maxrss): {peak_memory_mb():.0f} MB")
        registry.tenancy.dispose()


if __name__ == "__main__":
    main()
