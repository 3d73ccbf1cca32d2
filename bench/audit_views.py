"""What does auditing who viewed which record cost a page of 50?

Authenticated ``GET /api/v1/{tenant}/records?per_page=50`` (a tenant with 60
records), requests per second in-process through WebTest, on one app whose
list view is switched between:

a. no view auditing (``record_audit.listed`` does nothing), as before;
b. the core: one audit row for the page, its 50 records as subjects in one
   INSERT;
c. naive, for comparison: one audit row per record shown (what a page of 50
   would cost if each view were written on its own);
d. for reference: one audit row without its subjects, the fixed cost of
   writing anything at all in a request that otherwise only reads.

Runs are interleaved (a d b c c b d a ...) so that drift of the machine falls on
all alike; the ratio b/a of the medians is printed, and the
SQL statements each request sends, a measure the machine's load cannot blur.

    python bench/audit_views.py [--quick] [--rounds N] [--requests N]
"""

from __future__ import annotations

import argparse
import gc
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
)
from sqlalchemy import event

from praxcloud.core import record_audit

SLUG = "bench"
BATCHED = record_audit.listed


def _not_audited(request, shown, *, query, page, total) -> None:
    return None


def _one_row_per_record(request, shown, *, query, page, total) -> None:
    for record in shown:
        record_audit.viewed(request, record)


def _one_row_no_subjects(request, shown, *, query, page, total) -> None:
    request.audit.record("record.list", details={"page": page, "shown": len(shown)})


MODES = {"a": _not_audited, "d": _one_row_no_subjects, "b": BATCHED, "c": _one_row_per_record}
LABELS = {"a": "no view auditing", "d": "one row, no subjects",
          "b": "one row per page (core)", "c": "one row per record (naive)"}


def rate(app, headers, requests: int) -> tuple[float, float]:
    """Requests per second of wall-clock time, and per second of this process's CPU time."""
    url = RECORDS_URL.format(slug=SLUG)
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(requests):
        app.get(url, headers=headers)
    return (requests / (time.perf_counter() - start),
            requests / (time.process_time() - cpu))


def statements_per_request(wsgi, app, headers) -> tuple[int, int]:
    """(SQL statements, INSERT statements) one request sends to the tenant database."""
    tenancy = wsgi.registry.tenancy
    with tenancy.platform_session() as platform_db:
        engine = tenancy.engine_for(tenancy.find(platform_db, SLUG))
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement.lstrip().upper())

    event.listen(engine, "before_cursor_execute", count)
    try:
        app.get(RECORDS_URL.format(slug=SLUG), headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen), sum(1 for s in seen if s.startswith("INSERT"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (a smoke test)")
    parser.add_argument("--rounds", type=int, help="rounds (default 10, quick 2)")
    parser.add_argument("--requests", type=int, help="requests per mode and round (300, 60)")
    args = parser.parse_args()
    rounds, requests = (2, 60) if args.quick else (10, 300)
    rounds, requests = args.rounds or rounds, args.requests or requests

    with tempfile.TemporaryDirectory() as scratch:
        wsgi = build_app(bench_settings(Path(scratch)))
        make_tenant_with_records(wsgi.registry, SLUG)
        app = client(wsgi)
        headers = login(app, SLUG)
        try:
            print(f"machine: {machine()}")
            for name in MODES:  # warm-up, and what each mode sends to the database
                record_audit.listed = MODES[name]
                rate(app, headers, requests // 4)
                total, inserts = statements_per_request(wsgi, app, headers)
                print(f"({name}) {LABELS[name]}: {total} SQL statements per request, "
                      f"{inserts} of them INSERTs")
            print(f"{rounds} rounds of {requests} requests per mode, interleaved")
            wall: dict[str, list[float]] = {name: [] for name in MODES}
            cpu: dict[str, list[float]] = {name: [] for name in MODES}
            for round_number in range(rounds):
                order = list(MODES) if round_number % 2 == 0 else list(reversed(MODES))
                for name in order:
                    record_audit.listed = MODES[name]
                    per_wall, per_cpu = rate(app, headers, requests)
                    wall[name].append(per_wall)
                    cpu[name].append(per_cpu)
                print(f"  round {round_number + 1:2d}: " + "   ".join(
                    f"{name} {wall[name][-1]:6.1f} req/s" for name in MODES))
        finally:
            record_audit.listed = BATCHED
            wsgi.registry.tenancy.dispose()
        median = {name: statistics.median(values) for name, values in wall.items()}
        median_cpu = {name: statistics.median(values) for name, values in cpu.items()}
        for name in MODES:
            print(f"({name}) {LABELS[name]:28s} median {median[name]:7.1f} req/s "
                  f"({median_cpu[name]:.1f} per CPU second)")
        print(f"ratio b/a = {median['b'] / median['a']:.3f}  (the cost of view auditing); "
              f"per CPU second {median_cpu['b'] / median_cpu['a']:.3f}")
        print(f"ratio c/a = {median['c'] / median['a']:.3f}  (what one row per record "
              f"would cost); per CPU second {median_cpu['c'] / median_cpu['a']:.3f}")
        print(f"ratio b/d = {median['b'] / median['d']:.3f}  (the 50 subjects against any "
              f"write at all); per CPU second {median_cpu['b'] / median_cpu['d']:.3f}")


if __name__ == "__main__":
    main()
