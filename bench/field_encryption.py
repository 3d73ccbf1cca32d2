"""What field encryption (issue 13, P8) costs a tenant that enables it.

One app, two tenants with the same 60 records and one staff user:
``plain`` stores every field in plain text, ``encrypted`` enables
``field_encryption`` with every field. Printed, each measured in this run:

a. authenticated ``GET /api/v1/{tenant}/records?per_page=50`` (50 records,
   each with an encrypted name, e-mail, phone, date of birth, notes and free
   fields: 300 decryptions, plus the audit row's encrypted actor), requests
   per second, encrypted /
   plain (target >= 0.9), interleaved rounds, medians; and the Python calls
   per request of each (deterministic, whatever else the machine runs);
b. ``POST /api/v1/{tenant}/records``, records created per second, encrypted / plain;
c. the codec alone: microseconds per encryption and per decryption of a
   40-character value (AES-256-GCM with its AESGCM object cached);
d. key rotation: values re-encrypted per second (``rotate_data_keys`` on a
   tenant of ``--rotate-records`` records, three encrypted fields each).

    python bench/field_encryption.py [--quick] [--rotate-records N]
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from pathlib import Path

from common import (
    bench_settings,
    build_app,
    calls_per_request,
    client,
    interleaved,
    login,
    machine,
    make_tenant_with_records,
    records_rate,
)

from praxcloud.core import contracts
from praxcloud.core.records import create as create_record
from praxcloud.core.scripting import tenant_request
from praxcloud.plugin import rotate_data_keys

TENANTS = ("plain", "encrypted")


def create_rate(app, slug: str, headers: dict, requests: int) -> float:
    url = f"/api/v1/{slug}/records"
    gc.collect()
    start = time.perf_counter()
    for number in range(requests):
        app.post_json(url, {"name": f"New {number}", "email": f"new{number}@example.test",
                            "phone": "+31 20 555 0101", "notes": "created by the bench"},
                      headers=headers)
    return requests / (time.perf_counter() - start)


def codec_cost(registry, operations: int) -> tuple[float, float]:
    from praxcloud.core.fields import codecs_of
    from praxcloud.core.models import Record

    with tenant_request(registry, "encrypted") as request:
        codec = codecs_of(request.tenant_db).get(Record, "notes")
        value = "a note of forty characters, more or less"
        stored = codec.encode(value, 1)
        start = time.perf_counter()
        for row in range(operations):
            codec.encode(value, row)
        encrypt = (time.perf_counter() - start) / operations * 1e6
        start = time.perf_counter()
        for _ in range(operations):
            codec.decode(stored, 1)
        decrypt = (time.perf_counter() - start) / operations * 1e6
    return encrypt, decrypt


def rotation_rate(registry, records: int) -> tuple[int, float]:
    make_tenant_with_records(registry, "rotating", records=0)
    contracts.enable(registry, "rotating", "field_encryption", {})
    with tenant_request(registry, "rotating") as request:
        for number in range(records):
            create_record(request.tenant_db, {
                "name": f"Person {number}", "email": f"person{number}@example.test",
                "phone": "+31 20 555 0101", "notes": "rotating bench record"})
    start = time.perf_counter()
    result = rotate_data_keys(registry, "rotating", settle_seconds=0)
    elapsed = time.perf_counter() - start
    return result.rows, result.rows * 3 / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (a smoke test)")
    parser.add_argument("--rotate-records", type=int, default=None)
    args = parser.parse_args()
    rounds, requests, creates, operations = (4, 100, 50, 2000) if args.quick else \
        (10, 400, 200, 20000)
    rotate_records = args.rotate_records or (2000 if args.quick else 20000)

    with tempfile.TemporaryDirectory() as scratch:
        wsgi = build_app(bench_settings(Path(scratch)))
        registry = wsgi.registry
        for slug in TENANTS:
            make_tenant_with_records(registry, slug)
        contracts.enable(registry, "encrypted", "field_encryption", {})
        app = client(wsgi)
        headers = {slug: login(app, slug) for slug in TENANTS}
        for slug in TENANTS:
            records_rate(app, slug, headers[slug], requests // 4)

        print(f"machine: {machine()}")
        rates = interleaved(lambda slug: records_rate(app, slug, headers[slug], requests),
                            rounds, TENANTS)
        print(f"(a) records page, {rounds} rounds of {requests}: plain {rates['plain']:.1f} "
              f"req/s, encrypted {rates['encrypted']:.1f} req/s, "
              f"ratio {rates['encrypted'] / rates['plain']:.3f} (target >= 0.9)")
        calls = {slug: calls_per_request(app, slug, headers[slug]) for slug in TENANTS}
        print(f"    Python calls per records request: plain {calls['plain']:.0f}, encrypted "
              f"{calls['encrypted']:.0f} (ratio {calls['plain'] / calls['encrypted']:.3f})")
        made = interleaved(lambda slug: create_rate(app, slug, headers[slug], creates),
                           rounds, TENANTS)
        print(f"(b) record creation, {rounds} rounds of {creates}: plain {made['plain']:.1f}/s, "
              f"encrypted {made['encrypted']:.1f}/s, "
              f"ratio {made['encrypted'] / made['plain']:.3f}")
        encrypt, decrypt = codec_cost(registry, operations)
        print(f"(c) codec: {encrypt:.1f} µs per encryption, {decrypt:.1f} µs per decryption")
        rows, per_second = rotation_rate(registry, rotate_records)
        print(f"(d) key rotation: {rows} rows ({rotate_records} records and their audit "
              f"rows) re-encrypted at {per_second:,.0f} values per second")
        registry.tenancy.dispose()


if __name__ == "__main__":
    main()
