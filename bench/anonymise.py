"""How fast does the anonymiser's batched run go, against one raw UPDATE of the same fields?

A tenant on PostgreSQL with N records, all past the retention policy, and an
identical copy of its ``records`` table (same columns, indexes and rows).
On the copy: one set-based ``UPDATE`` of every field the default policy
changes (name replaced, e-mail, phone cleared, date of birth to its year,
notes and free fields emptied, ``anonymised_at`` set), in one transaction.
On the table: the plugin's real run (``policy.run``: batches of primary keys,
one transaction each, resumable), after its dry run. Rows per second of
each and the ratio plugin/raw are printed (the issue's target: >= 0.5).

    PRAXCLOUD_TEST_POSTGRES_URL=postgresql+psycopg2://postgres@127.0.0.1:5432/postgres \\
        python bench/anonymise.py 1000000 [--batch-size 2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

from common import bench_settings, build_app, machine
from sqlalchemy import text

from plugins.anonymiser import policy
from praxcloud.core import contracts
from praxcloud.core.provisioning import create_tenant
from praxcloud.core.scripting import tenant_request
from praxcloud.testing.app import close_app
from praxcloud.testing.postgres import platform_database, postgres_settings, tenant_admin_role

SLUG = "bench"
FILL = """
INSERT INTO records (name, email, phone, date_of_birth, notes, fields, created_at, updated_at,
                     last_activity_at)
SELECT 'Person ' || g, 'person' || g || '@example.test', '+41 44 000 ' || lpad((g % 10000)::text,
       4, '0'), date '1950-01-01' + (g % 20000), 'bench record notes ' || g,
       ('{"class": ' || (g % 7) || '}')::json, :old, :old, :old
FROM generate_series(1, :n) AS g
"""
MASKED_PHONE = "left(phone, 1) || regexp_replace(substr(phone, 2), '[[:alnum:]]', '*', 'g')"
RAW_UPDATE = """
UPDATE records_copy SET name = 'Anonymised', email = NULL, phone = {phone},
       date_of_birth = date_trunc('year', date_of_birth)::date, notes = '',
       fields = '{}'::json, anonymised_at = now() AT TIME ZONE 'UTC'
WHERE anonymised_at IS NULL AND last_activity_at < :cutoff
"""

SAME = """
SELECT count(*) FROM records r JOIN records_copy c USING (id)
WHERE (r.name, r.email, r.phone, r.date_of_birth, r.notes, r.fields::text)
      IS DISTINCT FROM (c.name, c.email, c.phone, c.date_of_birth, c.notes, c.fields::text)
   OR r.anonymised_at IS NULL OR c.anonymised_at IS NULL
"""


def tenant_engine(registry):
    tenancy = registry.tenancy
    with tenancy.platform_session() as platform_db:
        return tenancy.engine_for(tenancy.find(platform_db, SLUG))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("records", type=int, help="how many records (the issue: 1000000)")
    parser.add_argument("--batch-size", type=int, default=policy.BATCH_SIZE)
    parser.add_argument("--mask-phone", action="store_true",
                        help="phone_strategy=mask: the plugin writes that field row by row "
                             "(ORM); the raw UPDATE masks it with regexp_replace")
    args = parser.parse_args()
    superuser = os.environ.get("PRAXCLOUD_TEST_POSTGRES_URL")
    if not superuser:
        sys.exit("set PRAXCLOUD_TEST_POSTGRES_URL to a PostgreSQL superuser URL")
    print(f"# anonymiser bench: {args.records} records, batch size {args.batch_size}"
          f"{', phone masked' if args.mask_phone else ''}")
    print(f"# {machine()}")
    with tempfile.TemporaryDirectory() as directory, tenant_admin_role(superuser) as admin, \
            platform_database(superuser) as platform_url:
        wsgi = build_app({**bench_settings(Path(directory)),
                          **postgres_settings(platform_url, admin)})
        try:
            run(wsgi.registry, args.records, args.batch_size, args.mask_phone)
        finally:
            close_app(wsgi)


def run(registry, count: int, batch_size: int, mask_phone: bool) -> None:
    create_tenant(registry.tenancy, SLUG, "Bench")
    contracts.enable(registry, SLUG, "anonymiser", {
        "retention_days": 30, "phone_strategy": "mask" if mask_phone else "null"})
    old = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=400)
    cutoff = old + dt.timedelta(days=100)
    engine = tenant_engine(registry)
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(text(FILL), {"n": count, "old": old})
        connection.execute(text("CREATE TABLE records_copy (LIKE records INCLUDING ALL)"))
        connection.execute(text("INSERT INTO records_copy SELECT * FROM records"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE records"))
        connection.execute(text("VACUUM ANALYZE records_copy"))
    print(f"filled both tables in {time.perf_counter() - started:.1f} s")

    with engine.begin() as connection:
        started = time.perf_counter()
        statement = RAW_UPDATE.replace("{phone}", MASKED_PHONE if mask_phone else "NULL")
        updated = connection.execute(text(statement), {"cutoff": cutoff}).rowcount
    raw_seconds = time.perf_counter() - started
    assert updated == count, updated

    with tenant_request(registry, SLUG) as request:
        dry = policy.dry_run(request, "bench")
        assert dry.records == count, dry.records
    started = time.perf_counter()
    with tenant_request(registry, SLUG) as request:
        done = policy.run(request, "bench", batch_size=batch_size).records
    plugin_seconds = time.perf_counter() - started
    assert done == count, done

    with engine.connect() as connection:
        differ = connection.execute(text(SAME)).scalar()
    print(f"rows that differ between the two tables afterwards: {differ}")

    raw_rate, plugin_rate = count / raw_seconds, count / plugin_seconds
    print(f"raw UPDATE (one statement, one transaction): {raw_seconds:7.1f} s "
          f"{raw_rate:10.0f} rows/s")
    print(f"plugin run (batches of {batch_size}, resumable): {plugin_seconds:7.1f} s "
          f"{plugin_rate:10.0f} rows/s")
    print(f"ratio plugin/raw: {plugin_rate / raw_rate:.2f} (target >= 0.5)")


if __name__ == "__main__":
    main()
