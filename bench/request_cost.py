"""The fixed cost of a request: PraxCloud's records API against a bare Pyramid floor.

In-process, on SQLite, a tenant with 1,000 records and a Bearer token:

- ``GET /api/v1/{tenant}/records/{id}`` (one record) and
  ``GET /api/v1/{tenant}/records?per_page=50`` (a page of 50), through the
  real app (``praxcloud.main``);
- the same two answers from ``bench/bare_pyramid.py``, a bare Pyramid app
  with one ORM query per request: the floor.

Printed per request kind: the median µs per request (interleaved rounds, so
that the machine's drift falls on both), the ratio to the floor, and two
counts the machine's load cannot blur: SQL statements per request (every
engine) and Python function calls per request (cProfile). Both apps are
called as WSGI callables directly: no HTTP client's cost in the figures.

    python bench/request_cost.py [--quick] [--rounds N] [--requests N]
        [--enable "plugin plugin"]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import statistics
import tempfile
import threading
import time
from pathlib import Path

from bare_pyramid import make_bare_app
from common import EMAIL, bench_settings, build_app, client, login, machine
from sqlalchemy import Engine, event

from praxcloud.core.contracts import enable
from praxcloud.core.provisioning import create_tenant
from praxcloud.core.records import create as create_record
from praxcloud.core.scripting import tenant_request
from praxcloud.core.user_admin import create_user
from praxcloud.testing import PASSWORD

SLUG = "bench"
RECORDS = 1000


def seed(registry) -> None:
    create_tenant(registry.tenancy, SLUG, "Bench")
    with tenant_request(registry, SLUG) as request:
        create_user(request, EMAIL, PASSWORD, ["staff"])
        for number in range(RECORDS):
            create_record(request.tenant_db, {
                "name": f"Person {number:04d}", "email": f"person{number}@example.org",
                "phone": f"+31 20 555 {number:04d}",
                "date_of_birth": f"1980-01-{number % 28 + 1:02d}",
                "notes": "Seeded record for the benchmark. " * 4,
                "fields": {"class": number % 7, "tag": "a"},
            })


def environ_for(path: str, query: str, headers: dict) -> dict:
    environ = {
        "REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(), "wsgi.multithread": False, "wsgi.multiprocess": True,
        "wsgi.run_once": False, "wsgi.version": (1, 0),
    }
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def call(app, environ: dict) -> str:
    status: list[str] = []

    def start_response(code, headers, exc_info=None):
        status.append(code)

    body = app(dict(environ, **{"wsgi.input": io.BytesIO()}), start_response)
    b"".join(body)
    if hasattr(body, "close"):
        body.close()
    if not status[0].startswith("200"):
        raise RuntimeError(f"{environ['PATH_INFO']}: {status[0]}")
    return status[0]


def µs_per_request(app, environ: dict, requests: int) -> float:
    gc.collect()
    start = time.perf_counter()
    for _ in range(requests):
        call(app, environ)
    return (time.perf_counter() - start) / requests * 1e6


def statements(app, environ: dict) -> list[str]:
    """What the request itself sends (its thread's), not the view-event writer's batches."""
    seen: list[str] = []
    caller = threading.get_ident()

    def count(conn, cursor, statement, parameters, context, executemany):
        if threading.get_ident() == caller:
            seen.append(" ".join(statement.split())[:90])

    event.listen(Engine, "before_cursor_execute", count)
    try:
        call(app, environ)
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    return seen


def python_calls(app, environ: dict, requests: int = 50) -> int:
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(requests):
        call(app, environ)
    profile.disable()
    return pstats.Stats(profile).total_calls // requests


def _package(filename: str) -> str:
    if "site-packages/" in filename:
        return filename.split("site-packages/")[1].split("/")[0]
    if "/praxcloud/" in filename:
        return "praxcloud." + filename.split("/praxcloud/")[-1].split("/")[0].split(".")[0]
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins"
    return "stdlib"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (a smoke test)")
    parser.add_argument("--rounds", type=int, help="rounds (default 7, quick 2)")
    parser.add_argument("--requests", type=int, help="requests per app, kind and round (500, 50)")
    parser.add_argument("--enable", default="", help="plugins to enable on the bench tenant")
    parser.add_argument("--show-sql", action="store_true", help="print each request's SQL")
    parser.add_argument("--profile", choices=["one", "page"],
                        help="print where PraxCloud's time goes for one kind (cProfile), and stop")
    parser.add_argument("--callees", nargs="*", default=[],
                        help="with --profile: functions whose callees to print")
    args = parser.parse_args()
    rounds, requests = (2, 50) if args.quick else (7, 500)
    rounds, requests = args.rounds or rounds, args.requests or requests

    with tempfile.TemporaryDirectory() as scratch:
        wsgi = build_app(bench_settings(Path(scratch)))
        registry = wsgi.registry
        seed(registry)
        for plugin in args.enable.split():
            enable(registry, SLUG, plugin)
        headers = login(client(wsgi), SLUG)
        with registry.tenancy.platform_session() as platform_db:
            database_url = registry.tenancy.open_db_url(registry.tenancy.find(platform_db, SLUG))
        bare = make_bare_app(database_url)
        with tenant_request(registry, SLUG) as request:
            from sqlalchemy import select

            from praxcloud.core.models import Record
            record_id = request.tenant_db.scalars(
                select(Record.id).order_by(Record.name, Record.id).offset(25)).first()
        kinds = {
            "one record": (f"/api/v1/{SLUG}/records/{record_id}", ""),
            "page of 50": (f"/api/v1/{SLUG}/records", "per_page=50"),
        }
        apps = {"praxcloud": wsgi, "bare": bare}
        environs = {kind: environ_for(path, query, headers)
                    for kind, (path, query) in kinds.items()}
        try:
            if args.profile:
                environ = environs["one record" if args.profile == "one" else "page of 50"]
                µs_per_request(wsgi, environ, 50)
                profile = cProfile.Profile()
                profile.enable()
                for _ in range(requests):
                    call(wsgi, environ)
                profile.disable()
                stats = pstats.Stats(profile)
                by_package: dict[str, list[float]] = {}
                for (filename, _line, _name), (_cc, calls, own, _cum, _callers) in \
                        stats.stats.items():
                    package = _package(filename)
                    entry = by_package.setdefault(package, [0, 0.0])
                    entry[0] += calls
                    entry[1] += own
                print("own time and calls per request, by package:")
                for package, (calls, own) in sorted(by_package.items(), key=lambda i: -i[1][1]):
                    print(f"  {package:28s} {own / requests * 1e6:8.0f} µs {calls // requests:6d}")
                stats.sort_stats("tottime").print_stats(35)
                stats.sort_stats("cumulative").print_stats(60)
                for name in args.callees:
                    stats.print_callees(name)
                return
            print(f"machine: {machine()}")
            print(f"plugins enabled on the bench tenant: {args.enable or 'none'}")
            counts = {}
            for kind, environ in environs.items():
                for name, app in apps.items():
                    µs_per_request(app, environ, max(20, requests // 10))  # warm-up
                    sql = statements(app, environ)
                    counts[kind, name] = (len(sql), python_calls(app, environ))
                    if args.show_sql:
                        print(f"  {kind}, {name}:")
                        for line in sql:
                            print(f"    {line}")
            timings: dict[tuple[str, str], list[float]] = {key: [] for key in counts}
            for round_number in range(rounds):
                order = list(apps) if round_number % 2 == 0 else list(reversed(apps))
                for kind, environ in environs.items():
                    for name in order:
                        timings[kind, name].append(µs_per_request(apps[name], environ, requests))
            print(f"{rounds} interleaved rounds of {requests} requests per app and kind")
            print(f"{'':12s} {'praxcloud µs':>13s} {'bare µs':>9s} {'ratio':>6s} "
                  f"{'SQL':>8s} {'Python calls':>14s}")
            for kind in environs:
                ours = statistics.median(timings[kind, "praxcloud"])
                floor = statistics.median(timings[kind, "bare"])
                sql_ours, calls_ours = counts[kind, "praxcloud"]
                sql_bare, calls_bare = counts[kind, "bare"]
                print(f"{kind:12s} {ours:13.0f} {floor:9.0f} {ours / floor:6.2f} "
                      f"{sql_ours:4d}/{sql_bare:<3d} {calls_ours:7d}/{calls_bare:<6d}")
        finally:
            bare.engine.dispose()
            registry.tenancy.dispose()


if __name__ == "__main__":
    main()
