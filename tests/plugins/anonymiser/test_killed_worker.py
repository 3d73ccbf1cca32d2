"""A worker killed in the middle of a run: the next run finishes, no row is half-anonymised.

The run is the CLI in a real separate process, on batches of three records
with a pause inside each batch's transaction (after the masked phone is
written row by row on SQLite, before the set-based UPDATE; PostgreSQL masks
it in that UPDATE), killed with SIGKILL once a batch has committed. Every
record is then either wholly anonymised or wholly as it was; a second run
anonymises exactly the rest.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from plugins.anonymiser import policy
from praxcloud.core import contracts

from .conftest import NAME, add_records, person, stored_records

COUNT = 30
BATCH = 3
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))


def anonymised(registry) -> int:
    return sum(row["anonymised_at"] is not None for row in stored_records(registry).values())


def test_a_killed_run_leaves_whole_rows_and_the_next_run_finishes(
        make_tenant, tenant_request, registry, cli):
    make_tenant("acme", plugins={NAME: {"retention_days": 365}})
    contracts.configure(registry, "acme", NAME, {"phone_strategy": "mask"})
    add_records(tenant_request, "acme", [person(n) for n in range(COUNT)])
    before = stored_records(registry)
    cli.ok("anonymise", "--tenant", "acme", "--dry-run")

    worker = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-c", "from praxcloud.cli import main; main()", "-c", str(cli.ini),
         "anonymise", "--tenant", "acme", "--batch-size", str(BATCH)],
        cwd=ROOT, env={**os.environ, policy.PAUSE_ENV: "0.4"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while anonymised(registry) < BATCH:
            assert worker.poll() is None, worker.stdout.read().decode()
            assert time.monotonic() < deadline, "the worker committed no batch"
            time.sleep(0.05)
        time.sleep(0.2)  # inside the next batch's transaction
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL

    after_kill = stored_records(registry)
    done = [i for i, row in after_kill.items() if row["anonymised_at"] is not None]
    assert BATCH <= len(done) < COUNT and len(done) % BATCH == 0
    for record_id, row in after_kill.items():
        if row["anonymised_at"] is None:
            assert row == before[record_id], "a half-anonymised record"
        else:
            assert row["name"] == "Anonymised" and row["email"] is None
            assert row["phone"] == "+** ** *** ****" and str(row["date_of_birth"]) == \
                "1980-01-01"

    result = cli.ok("anonymise", "--tenant", "acme", "--batch-size", str(BATCH))
    assert f"Anonymised {COUNT - len(done)} records" in result.output
    final = stored_records(registry)
    assert all(row["anonymised_at"] is not None and row["phone"] == "+** ** *** ****"
               for row in final.values())
    assert all(final[i] == after_kill[i] for i in done)  # nothing done twice
