"""``praxcloud backup run|list|verify|restore`` and ``plugins enable T backup target=URL``.

Run in-process with click's CliRunner against an ini written from the test's
settings, on the same databases as the test's app.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, text

from praxcloud.cli import cli
from praxcloud.plugin import Record
from tests.cli.conftest import write_ini

from .conftest import OWN_TABLES, add_records, events, snapshot_of


@pytest.fixture
def praxcloud(tmp_path, settings, app):
    ini = write_ini(tmp_path / "praxcloud.ini", settings)

    def invoke(*args: str, code: int = 0, input: str | None = None):
        result = CliRunner().invoke(cli, ["-c", str(ini), *args], input=input,
                                    env={"PRAXCLOUD_INI": None}, catch_exceptions=False)
        assert result.exit_code == code, result.output
        assert "Traceback" not in result.output
        return result
    return invoke


def stable(found: dict) -> dict:
    return {table: digest for table, digest in found.items() if table not in OWN_TABLES}


def test_enable_run_list_verify_restore(restic_installed, praxcloud, make_tenant,
                                        tenant_request, target, target_dir):
    make_tenant("acme")
    add_records(tenant_request, "acme", 25)
    praxcloud("plugins", "enable", "acme", "backup", f"target={target}")
    before, _ = snapshot_of(tenant_request, "acme")

    out = praxcloud("backup", "run", "--tenant", "acme").output
    assert "acme: backup " in out and "verified" in out
    listed = json.loads(praxcloud("backup", "list", "--tenant", "acme", "--json").output)
    assert len(listed) == 1 and listed[0]["status"] == "verified" and listed[0]["size"] > 0
    assert listed[0]["at"].endswith("Z")
    assert "verified" in praxcloud("backup", "list", "--tenant", "acme").output
    assert "acme: ok" in praxcloud("backup", "verify").output

    with tenant_request("acme") as request:
        request.tenant_db.execute(delete(Record))
    praxcloud("backup", "restore", "--tenant", "acme", code=1, input="n\n")
    out = praxcloud("backup", "restore", "--tenant", "acme", "--yes").output
    assert f"restored backup {listed[0]['short_id']}" in out
    assert stable(snapshot_of(tenant_request, "acme")[0]) == stable(before)
    assert [event for event, _ in events(tenant_request, "acme")][-1] == "backup.restored"


def test_restore_into_a_new_tenant_for_inspection(restic_installed, praxcloud, make_tenant,
                                                  tenant_request, target):
    make_tenant("acme", plugins={"backup": {"target": target}})
    add_records(tenant_request, "acme", 12)
    praxcloud("backup", "run", "--all")
    with tenant_request("acme") as request:
        request.tenant_db.execute(delete(Record).where(Record.id < 5))
    out = praxcloud("backup", "restore", "--tenant", "acme", "--into", "acme-copy").output
    assert "new tenant acme-copy: restored backup" in out
    with tenant_request("acme-copy") as request:
        assert request.tenant_db.execute(text("SELECT count(*) FROM records")).scalar() == 12
    with tenant_request("acme") as request:
        assert request.tenant_db.execute(text("SELECT count(*) FROM records")).scalar() == 8
    out = praxcloud("backup", "restore", "--tenant", "acme", "--into", "acme-copy",
                    code=1).output
    assert "already exists" in out


def test_failures_exit_non_zero_with_one_line(restic_installed, praxcloud, make_tenant,
                                              target):
    make_tenant("acme", plugins={"backup": {"target": target}})
    make_tenant("beta")
    out = praxcloud("backup", "list", "--tenant", "acme").output
    assert "no backup yet" in out
    for args, words in (
            (("backup", "restore", "--tenant", "acme", "--yes"), "no backup"),
            (("backup", "verify", "--tenant", "acme"), "no backup"),
            (("backup", "run", "--tenant", "beta"), "does not enable the backup plugin"),
            (("backup", "run"), "give --tenant SLUG or --all"),
            (("backup", "restore", "--tenant", "acme", "--at", "yesterday"), "ISO 8601")):
        result = praxcloud(*args, code=2 if "ISO" in words or "give" in words else 1)
        assert words in result.output
        assert result.output.strip().count("Error:") == 1
    # A copy that could not be restored leaves no tenant behind: the same command fails
    # the same way again, not with "already exists".
    for _ in range(2):
        out = praxcloud("backup", "restore", "--tenant", "acme", "--into", "acme-x",
                        code=1).output
        assert "no backup" in out and "already exists" not in out


def test_restore_at_a_time_picks_the_backup_of_then(restic_installed, praxcloud, make_tenant,
                                                    tenant_request, target, clock):
    make_tenant("acme", plugins={"backup": {"target": target}})
    add_records(tenant_request, "acme", 3)
    praxcloud("backup", "run", "--tenant", "acme")
    first_at = clock()
    clock.advance(86400)
    add_records(tenant_request, "acme", 4, prefix="Later")
    praxcloud("backup", "run", "--tenant", "acme")
    import datetime as dt

    when = dt.datetime.fromtimestamp(first_at + 60, dt.UTC).isoformat()
    praxcloud("backup", "restore", "--tenant", "acme", "--at", when, "--yes")
    with tenant_request("acme") as request:
        assert request.tenant_db.execute(text("SELECT count(*) FROM records")).scalar() == 3
    early = dt.datetime.fromtimestamp(first_at - 3600, dt.UTC).isoformat()
    out = praxcloud("backup", "restore", "--tenant", "acme", "--at", early, "--yes",
                    code=1).output
    assert "no verified backup at or before" in out
