"""What does the backup plugin cost against plain ``pg_dump -Fc``, and how long is a restore?

One tenant on PostgreSQL whose ``records`` table is filled to ``--size-mb``
(pg_database_size), then, each ``--rounds`` times (median printed):

a. ``pg_dump -Fc`` to /dev/null (its default zlib compression): the baseline;
b. ``pg_dump -Fc --compress=0`` to /dev/null: what the plugin reads;
c. the plugin's write alone: pg_dump streamed through the plugin (size, SHA-256)
   into ``restic backup --stdin`` (zstd, AES-256, a directory target);
   the first round writes everything, the later ones deduplicate;
d. a whole run: c, then ``restic check``, the whole dump read back and checked
   (size, SHA-256, ``pg_restore --list``), tagged verified, retention;
e. restore: ``restic dump`` into ``pg_restore --single-transaction --clean``;
f. for reference: ``pg_restore --single-transaction --clean`` from a local file;
g. ``praxcloud backup run --tenant bench`` as operators run it: a new process
   (the CLI's start included) doing what d does;
h. a tenant's first whole run: what d does, into a repository that does not
   exist yet (made, nothing to deduplicate against), once per tenant.

Ratios c/a, d/a, g/a, h/a and e/f are printed. The database is filled with one
``INSERT ... SELECT generate_series`` sized from a first batch of 50,000
rows (topped up by batches if it falls short), never row by row. Run from
the repository root, with a PostgreSQL superuser URL (as the tests take it)::

    PRAXCLOUD_TEST_POSTGRES_URL=postgresql+psycopg2://postgres@127.0.0.1:5432/postgres \\
        python bench/backup.py [--size-mb 200] [--rounds 3]

The issue's measure is ``--size-mb 1024 --rounds 1`` (a few minutes).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import bench_settings, build_app, machine
from sqlalchemy import text

from plugins.backup import databases, service
from praxcloud.core import contracts
from praxcloud.core.provisioning import create_tenant
from praxcloud.core.scripting import tenant_request
from praxcloud.testing.postgres import platform_database, postgres_settings, tenant_admin_role

SLUG = "bench"
FILL = """
INSERT INTO records (name, email, phone, notes, fields, created_at, updated_at,
                     last_activity_at)
SELECT 'Person ' || i, 'person' || i || '@example.test', '+41 44 000 ' || (i % 10000),
       repeat('Visit notes: ' || md5(i::text) || ' follow-up in ' || (i % 30) || ' days. ', 6)
         || md5((i * 7)::text),
       json_build_object('class', i % 7, 'code', md5((i * 3)::text)),
       now(), now(), now()
FROM generate_series(:start, :stop) AS i
"""


def fill(engine, size_mb: int) -> int:
    """Add records until the database is ``size_mb``; its size in bytes."""
    wanted, batch = size_mb * 1024 * 1024, 50_000

    def size_now(connection) -> int:
        return connection.execute(text("SELECT pg_database_size(current_database())")).scalar()

    sizes = []
    for start in (1, batch + 1):  # two batches, each committed, measured once on disk
        with engine.begin() as connection:
            connection.execute(text(FILL), {"start": start, "stop": start + batch - 1})
        with engine.begin() as connection:
            sizes.append(size_now(connection))
    per_row = max(1.0, (sizes[1] - sizes[0]) / batch)
    # The rest in one statement, from the size a row of the second batch took.
    rest = int((wanted - sizes[1]) / per_row)
    start = 2 * batch + 1
    if rest > 0:
        with engine.begin() as connection:
            connection.execute(text(FILL), {"start": start, "stop": start + rest - 1})
        start += rest
    with engine.begin() as connection:
        while (size := size_now(connection)) < wanted:
            connection.execute(text(FILL), {"start": start, "stop": start + batch - 1})
            start += batch
    return size


def timed(function) -> float:
    begin = time.perf_counter()
    function()
    return time.perf_counter() - begin


def pg_dump_to_null(engine, *extra: str) -> None:
    argv, env = databases._pg_command(engine, "pg_dump", "--format=custom", *extra)
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)


def pg_restore_from_file(engine, path: Path) -> None:
    argv, env = databases._pg_command(engine, "pg_restore", "--clean", "--if-exists",
                                      "--no-owner", "--no-privileges", "--single-transaction",
                                      "--exit-on-error", str(path))
    subprocess.run(argv, env=env, check=True)


def cli_run(ini: Path) -> None:
    """``praxcloud backup run --tenant bench`` in a process of its own, as an operator runs it."""
    praxcloud = Path(sys.executable).with_name("praxcloud")
    subprocess.run([str(praxcloud), "-c", str(ini), "backup", "run", "--tenant", SLUG],
                   check=True, stdout=subprocess.DEVNULL)


def write_ini(path: Path, settings: dict) -> Path:
    lines = ["[app:main]", "use = egg:praxcloud"]
    # configparser interpolates %(...)s: a literal % is doubled.
    lines += [f"{key} = {str(value).replace('%', '%%')}" for key, value in settings.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=int, default=200, help="database size (MB)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"load average at the start: {' '.join(f'{load:.2f}' for load in os.getloadavg())}",
          flush=True)
    superuser = os.environ.get("PRAXCLOUD_TEST_POSTGRES_URL")
    if not superuser:
        sys.exit("set PRAXCLOUD_TEST_POSTGRES_URL to a PostgreSQL superuser URL")
    for program in ("restic", "pg_dump", "pg_restore"):
        if shutil.which(program) is None:
            sys.exit(f"{program} is not installed")

    with tempfile.TemporaryDirectory() as tmp, tenant_admin_role(superuser) as admin_url, \
            platform_database(superuser) as platform_url:
        directory = Path(tmp)
        settings = bench_settings(directory, **postgres_settings(platform_url, admin_url))
        registry = build_app(settings).registry
        create_tenant(registry.tenancy, SLUG, "Bench")
        target = directory / "backups"
        target.mkdir()
        contracts.enable(registry, SLUG, "backup", {"target": f"file://{target}"})
        with tenant_request(registry, SLUG) as request:
            engine = request.tenant_db.get_bind()
        print(f"filling the tenant database to {args.size_mb} MB ...", flush=True)
        size = fill(engine, args.size_mb)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT count(*) FROM records")).scalar()

        ini = write_ini(directory / "praxcloud.ini", settings)
        results: dict[str, list[float]] = {key: [] for key in "abcdefgh"}
        dump_file = directory / "plain.pgdump"
        argv, env = databases._pg_command(engine, "pg_dump", "--format=custom")
        with dump_file.open("wb") as out:
            subprocess.run(argv, env=env, stdout=out, check=True)
        for number in range(args.rounds):
            results["a"].append(timed(lambda: pg_dump_to_null(engine)))
            results["b"].append(timed(lambda: pg_dump_to_null(engine, "--compress=0")))

            def write() -> None:
                with tenant_request(registry, SLUG) as request:
                    service.write_backup(request, service.repository(request), engine,
                                         "postgresql")
            results["c"].append(timed(write))

            def whole() -> None:
                with tenant_request(registry, SLUG) as request:
                    service.run_backup(request)
            results["d"].append(timed(whole))

            def restore() -> None:
                with tenant_request(registry, SLUG) as request:
                    service.restore(request)
            results["e"].append(timed(restore))
            results["f"].append(timed(lambda: pg_restore_from_file(engine, dump_file)))
            results["g"].append(timed(lambda: cli_run(ini)))

            def first_whole(fresh: Path = directory / f"first-{number}") -> None:
                # A tenant's very first run: the same run into a target directory of
                # its own holding no repository yet (made, written with nothing to
                # deduplicate against, checked, read back, tagged).
                fresh.mkdir()
                default = service.tenant_settings
                service.tenant_settings = lambda request: {**default(request),
                                                           "target": f"file://{fresh}"}
                try:
                    with tenant_request(registry, SLUG) as request:
                        service.run_backup(request)
                finally:
                    service.tenant_settings = default
            results["h"].append(timed(first_whole))
            print(f"round {number + 1}: " + ", ".join(
                f"{key} {values[-1]:.1f}s" for key, values in results.items()), flush=True)
        registry.tenancy.dispose()
        repo_size = sum(path.stat().st_size for path in target.rglob("*") if path.is_file())
        dump_size = dump_file.stat().st_size
    median = {key: statistics.median(values) for key, values in results.items()}
    print(f"\n{machine()}")
    print(f"tenant database {size / 2**20:.0f} MB ({rows} records), plain pg_dump -Fc file "
          f"{dump_size / 2**20:.0f} MB; median of {args.rounds}:")
    labels = {"a": "pg_dump -Fc > /dev/null (baseline)",
              "b": "pg_dump -Fc --compress=0 > /dev/null",
              "c": "plugin: write (pg_dump | restic backup)",
              "d": "plugin: whole run (write, check, read back, tag)",
              "e": "plugin: restore (restic dump | pg_restore)",
              "f": "pg_restore from a local file (baseline)",
              "g": "praxcloud backup run --tenant bench (a process)",
              "h": "plugin: a tenant's first whole run (new repository)"}
    for key, label in labels.items():
        print(f"  {key}. {label:<52} {median[key]:7.2f} s")
    print(f"ratios: write c/a = {median['c'] / median['a']:.2f}, "
          f"whole run d/a = {median['d'] / median['a']:.2f}, "
          f"CLI run g/a = {median['g'] / median['a']:.2f}, "
          f"first whole run h/a = {median['h'] / median['a']:.2f}, "
          f"restore e/f = {median['e'] / median['f']:.2f}; first write "
          f"{results['c'][0]:.1f}s (nothing to deduplicate), later "
          f"{statistics.median(results['c'][1:] or results['c']):.1f}s")
    print(f"repository after {3 * args.rounds} backups (all kept): "
          f"{repo_size / 2**20:.0f} MB")


if __name__ == "__main__":
    main()
