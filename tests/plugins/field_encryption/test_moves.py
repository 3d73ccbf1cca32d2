"""Enabling, disabling and changing the fields move a tenant's stored values in batches.

Each batch is committed; a move that is killed half-way leaves every row
readable (both forms are read), login by e-mail and the records search
working, and is finished by running the same command again. On SQLite and
PostgreSQL (the ``backend`` fixture); one test kills a real process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from praxcloud.core import contracts, field_moves, key_rotation, settle
from praxcloud.core.data_keys import DataKeyError
from praxcloud.core.models import Record
from praxcloud.core.settings import settings_of
from praxcloud.plugin import data_key_status, pending_field_move
from praxcloud.testing import api_login, bearer

from .conftest import NAME, execute, raw

PREFIX = "pxf1:"
RECORDS = "/api/v1/acme/records"
MANY = 45
USERS = ["admin@acme.test", "staff@acme.test", "reader@acme.test"]


class Killed(Exception):
    """Stands for the process dying between two batches."""


@pytest.fixture
def acme(make_tenant, make_user, tenant_request):
    """acme with three users and MANY records, stored before any encryption."""
    make_tenant("acme", "Acme Care")
    for email, group in zip(USERS, ("admin", "staff", "read-only"), strict=True):
        make_user("acme", email, groups=(group,))
    with tenant_request("acme") as request:
        request.tenant_db.add_all(
            Record(name=f"Person{n} Vries", email=f"p{n}@example.org", phone=f"0{n:04d}",
                   notes=f"notes {n}") for n in range(MANY))


@pytest.fixture
def kill_after(monkeypatch):
    """``kill_after(n)``: the move dies when it is about to store its (n+1)th batch."""
    def arm(batches: int) -> None:
        real = key_rotation._store_again
        calls = {"n": 0}

        def store_again(db, model, rows):
            calls["n"] += 1
            if calls["n"] > batches:
                raise Killed
            real(db, model, rows)
        monkeypatch.setattr(key_rotation, "_store_again", store_again)
    arm.disarm = lambda: monkeypatch.undo()
    return arm


def tenant_of(registry):
    with registry.tenancy.platform_session() as platform_db:
        tenant = registry.tenancy.find(platform_db, "acme")
        return {"pending": pending_field_move(tenant, NAME),
                "enabled": NAME in tenant.enabled_plugins}


def stored(registry, table: str, column: str) -> list:
    # Names from this module only, never input.
    sql = f"SELECT {column} FROM {table} ORDER BY id"  # noqa: S608
    return [row[column] for row in raw(registry, "acme", sql)]


def all_records_read_plain(api_client) -> None:
    staff = api_client("acme", "staff@acme.test")
    items = staff.get(RECORDS, {"per_page": 100}).json["items"]
    emails = {item["email"] for item in items}
    assert emails >= {f"p{n}@example.org" for n in range(MANY)}
    assert not any(PREFIX in (item[field] or "") for item in items
                   for field in ("name", "email", "phone", "notes"))


def everyone_logs_in(testapp) -> None:
    for email in USERS:
        token = api_login(testapp, "acme", email.upper())
        assert testapp.get("/api/v1/acme/me", headers=bearer(token)).json["email"] == email


def test_enabling_moves_in_batches_and_a_rerun_finishes_an_interrupted_move(
        testapp, registry, acme, api_client, kill_after, monkeypatch):
    # Batches of 2: the users are one batch, then one, then the records.
    kill_after(3)
    with pytest.raises(Killed):
        contracts.enable(registry, "acme", NAME, batch_size=2, settle_seconds=0)
    assert tenant_of(registry) == {"pending": "enable", "enabled": True}
    emails = stored(registry, "users", "email")
    assert [e.startswith(PREFIX) for e in emails] == [True, True, True]
    names = stored(registry, "records", "name")
    # Two records moved, the rest still plain: a half-done move.
    assert sum(name.startswith(PREFIX) for name in names) == 2
    assert names[2] == "Person2 Vries"
    # Every row reads, every user logs in, the search finds moved and unmoved records.
    all_records_read_plain(api_client)
    everyone_logs_in(testapp)
    staff = api_client("acme", "staff@acme.test")
    found = staff.get(RECORDS, {"q": "vries", "per_page": 100}).json["items"]
    assert len(found) == MANY
    assert [r["name"] for r in staff.get(RECORDS, {"q": "Person1"}).json["items"]][:1] == \
        ["Person1 Vries"]
    # Values written meanwhile are written encrypted.
    created = staff.post_json(RECORDS, {"name": "New One", "email": "new@example.org"},
                              status=201).json
    [row] = raw(registry, "acme", "SELECT email FROM records WHERE id = :id", id=created["id"])
    assert row["email"].startswith(PREFIX)

    kill_after.disarm()
    # The rerun goes on after the last committed batch (users, then records 1 and 2).
    restored = []
    real = key_rotation._store_again

    def counting(db, model, rows):
        restored.append((model.__tablename__, [row.id for row in rows]))
        real(db, model, rows)
    monkeypatch.setattr(key_rotation, "_store_again", counting)
    contracts.enable(registry, "acme", NAME, batch_size=7, settle_seconds=0)
    assert restored[0] == ("records", [3, 4, 5, 6, 7, 8, 9])
    assert not any(table == "users" for table, _ in restored)
    assert tenant_of(registry) == {"pending": None, "enabled": True}
    for column in ("name", "email", "phone", "notes"):
        # (The record made meanwhile has no phone and no notes.)
        assert all(value.startswith(PREFIX) for value in stored(registry, "records", column)
                   if value is not None)
    assert all(value is not None for value in stored(registry, "records", "name_tokens"))
    assert all(value.startswith(PREFIX) for value in stored(registry, "users", "email"))
    assert all(value is not None for value in stored(registry, "users", "email_index"))
    audit = raw(registry, "acme", "SELECT actor, target FROM audit_events")
    assert not any("@" in (row["actor"] or "") + (row["target"] or "") for row in audit)
    all_records_read_plain(api_client)
    everyone_logs_in(testapp)


def test_disabling_keeps_the_plugin_until_every_value_is_plain(
        testapp, registry, acme, enable_plugin, api_client, console_client, kill_after):
    enable_plugin("acme", NAME)
    kill_after(1)
    with pytest.raises(Killed):
        contracts.disable(registry, "acme", NAME, batch_size=2, settle_seconds=0)
    # Still enabled, recorded as being disabled; the data key is kept for what is left.
    assert tenant_of(registry) == {"pending": "disable", "enabled": True}
    assert [key["state"] for key in data_key_status(registry, "acme", NAME)] == ["active"]
    emails = stored(registry, "users", "email")
    assert emails[:2] == USERS[:2] and emails[2].startswith(PREFIX)
    indexes = stored(registry, "users", "email_index")
    assert indexes[:2] == [None, None] and indexes[2] is not None
    assert all(name.startswith(PREFIX) for name in stored(registry, "records", "name"))
    everyone_logs_in(testapp)
    all_records_read_plain(api_client)
    staff = api_client("acme", "staff@acme.test")
    assert len(staff.get(RECORDS, {"q": "Vries", "per_page": 100}).json["items"]) == MANY
    # Written meanwhile: plain, since plain is where the move goes.
    created = staff.post_json(RECORDS, {"name": "New One", "email": "new@example.org"},
                              status=201).json
    [row] = raw(registry, "acme", "SELECT email FROM records WHERE id = :id", id=created["id"])
    assert row["email"] == "new@example.org"
    page = console_client("acme", "admin@acme.test").get("/acme/encryption")
    assert "being switched off" in page.text

    kill_after.disarm()
    contracts.disable(registry, "acme", NAME, batch_size=7, settle_seconds=0)
    assert tenant_of(registry) == {"pending": None, "enabled": False}
    for table, columns in (("users", ("email", "display_name")),
                           ("records", ("name", "email", "phone", "notes")),
                           ("audit_events", ("actor", "target"))):
        for column in columns:
            assert not any(PREFIX in (value or "") for value in stored(registry, table, column))
    assert set(stored(registry, "users", "email_index")) == {None}
    assert set(stored(registry, "records", "name_tokens")) == {None}
    everyone_logs_in(testapp)
    all_records_read_plain(api_client)


def test_a_changed_field_list_is_finished_by_the_finish_command(
        registry, acme, enable_plugin, api_client, kill_after):
    enable_plugin("acme", NAME, {"fields": ["records.email", "records.name"]})
    kill_after(3)
    with pytest.raises(Killed):
        contracts.configure(registry, "acme", NAME, {"fields": ["records.notes"]},
                            batch_size=5, settle_seconds=0)
    assert tenant_of(registry)["pending"] == "configure"
    all_records_read_plain(api_client)
    # No other change, and no rotation, while the move is unfinished.
    with pytest.raises(contracts.PluginError, match="unfinished configure"):
        contracts.configure(registry, "acme", NAME, {"fields": ["records.phone"]})
    with pytest.raises(DataKeyError, match="unfinished field move"):
        key_rotation.rotate(registry, "acme", settle_seconds=0)
    kill_after.disarm()
    assert contracts.finish_moves(registry, "acme", batch_size=5, settle_seconds=0) == {
        NAME: "configure"}
    assert contracts.finish_moves(registry, "acme", settle_seconds=0) == {}
    assert stored(registry, "records", "email")[0] == "p0@example.org"
    assert stored(registry, "records", "name")[0] == "Person0 Vries"
    assert all(value.startswith(PREFIX) for value in stored(registry, "records", "notes"))
    all_records_read_plain(api_client)


def test_rows_written_in_the_old_form_during_a_move_are_moved_after_the_settle_window(
        registry, acme, monkeypatch):
    """A process that has not yet seen the move writes plain until it reloads the tenant
    (within tenant_cache_seconds); the final scan waits that window out and catches it.

    Timed on the app's settle clock (the test harness's fake one: no real sleep)."""
    clock = settle.clock_of(registry)
    window = settle.window(registry)
    assert window == settings_of(registry).tenant_cache_seconds + 1
    written, scans = [], []
    real = key_rotation.reencrypt

    def reencrypt_then_a_stale_write(*args, **kwargs):
        done = real(*args, **kwargs)
        execute(registry, "acme", "UPDATE records SET email = 'late@example.org', "
                "name_tokens = NULL WHERE id = 3")
        written.append(clock())
        return done
    real_scan = field_moves.off_target

    def scan(*args):
        scans.append(clock())
        return real_scan(*args)
    monkeypatch.setattr(key_rotation, "reencrypt", reencrypt_then_a_stale_write)
    monkeypatch.setattr(field_moves, "off_target", scan)
    started = clock()
    contracts.enable(registry, "acme", NAME, batch_size=10)
    # The first scan came only once the window had passed since the move was recorded
    # (the batches took no time on this clock: the wait was all of it).
    assert scans[0] - started >= window
    assert scans[0] - written[0] >= window
    # It found the late write and moved it; the next found nothing.
    assert len(scans) == 2
    assert all(value.startswith(PREFIX) for value in stored(registry, "records", "email"))
    assert tenant_of(registry) == {"pending": None, "enabled": True}


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
KILLED_ROWS = 600


def test_a_cli_run_killed_by_sigkill_is_finished_by_running_it_again(
        tmp_path, settings, registry, make_tenant, make_user, tenant_request, testapp):
    """``praxcloud plugins enable`` in a real process, SIGKILLed after some batches."""
    from tests.cli.conftest import Praxcloud, write_ini

    make_tenant("acme", "Acme Care")
    make_user("acme", "staff@acme.test", groups=("staff",))
    with tenant_request("acme") as request:
        request.tenant_db.add_all(Record(name=f"Person{n}", email=f"p{n}@example.org")
                                  for n in range(KILLED_ROWS))
    cli = Praxcloud(write_ini(tmp_path / "praxcloud.ini", settings))

    def encrypted_records() -> int:
        return raw(registry, "acme", "SELECT count(*) AS n FROM records "
                                     "WHERE email LIKE 'pxf1:%'")[0]["n"]

    worker = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-c", "from praxcloud.cli import main; main()", "-c", str(cli.ini),
         "plugins", "enable", "--batch-size", "1", "acme", NAME],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while encrypted_records() < 5:
            assert worker.poll() is None, worker.stdout.read().decode()
            assert time.monotonic() < deadline, "the enabling committed no batch"
            time.sleep(0.02)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL
    assert tenant_of(registry) == {"pending": "enable", "enabled": True}
    moved = encrypted_records()
    assert 5 <= moved < KILLED_ROWS, "killed after the batches: nothing left to continue"
    token = api_login(testapp, "acme", "staff@acme.test")
    page = testapp.get(RECORDS, {"per_page": 100}, headers=bearer(token)).json["items"]
    assert {item["email"] for item in page} >= {f"p{n}@example.org" for n in range(5)}

    result = cli.ok("plugins", "enable", "acme", NAME)
    assert "Enabled plugin 'field_encryption'" in result.output
    assert tenant_of(registry) == {"pending": None, "enabled": True}
    assert encrypted_records() == KILLED_ROWS
    assert all(name.startswith(PREFIX) for name in stored(registry, "records", "name"))
    api_login(testapp, "acme", "staff@acme.test")


def test_the_daily_check_finishes_an_interrupted_disable(registry, acme, enable_plugin,
                                                         testapp, kill_after):
    from plugins.field_encryption.tasks import check_tenant

    enable_plugin("acme", NAME)
    kill_after(2)
    with pytest.raises(Killed):
        contracts.disable(registry, "acme", NAME, batch_size=2, settle_seconds=0)
    kill_after.disarm()
    assert check_tenant(registry, "acme", rotate_after=2**30) == "moved"
    assert tenant_of(registry) == {"pending": None, "enabled": False}
    assert not any(PREFIX in value for value in stored(registry, "records", "email"))
    everyone_logs_in(testapp)


def test_from_the_web_the_move_is_a_celery_job(registry, acme, enable_plugin, api_client,
                                               monkeypatch):
    from praxcloud.core import field_moves
    from praxcloud.core.tasks import resolve_task

    enable_plugin("acme", NAME)
    queued = []
    monkeypatch.setattr(field_moves, "queue_finish",
                        lambda reg, slug, actor=None: queued.append(slug))
    contracts.configure(registry, "acme", NAME, {"fields": ["records.email"]}, background=True)
    # The request is answered before any value moved; everything reads meanwhile.
    assert queued == ["acme"]
    assert tenant_of(registry)["pending"] == "configure"
    assert stored(registry, "records", "name")[0].startswith(PREFIX)
    all_records_read_plain(api_client)
    job = resolve_task(registry.celery_app, field_moves.finish_tenant_moves)
    assert job.apply(("acme",)).get() == {NAME: "configure"}
    assert tenant_of(registry)["pending"] is None
    assert stored(registry, "records", "name")[0] == "Person0 Vries"
    assert stored(registry, "records", "email")[0].startswith(PREFIX)
