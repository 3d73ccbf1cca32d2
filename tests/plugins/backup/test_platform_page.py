"""The platform operators' page: every enabling tenant's backup status, stale ones marked.

An operator (logged in through the platform console, WebTest) sees each active
tenant that enables the plugin: the kind of target (never its URL), the newest
backup's time, age, size and status, how many are kept; a tenant whose newest
verified backup is older than a day, or that has none, is marked. The figures
are those kept when the plugin last listed the repository (a run, a prune, a
verify, a refresh): loading the page runs restic not once; **Refresh** lists
again. No personal data, no restore or decrypt action; tenant users never
reach the page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from plugins.backup import service
from plugins.backup.errors import BackupError
from plugins.backup.restic import Repository
from praxcloud.testing import PASSWORD
from tests.platform_console.conftest import (  # noqa: F401 - make_operator is a fixture
    make_operator,
    operator_login,
)

from .conftest import NAME, add_records
from .test_cli import praxcloud  # noqa: F401 - the CLI fixture

HOUR = 3600
UNREACHABLE = "sftp://vaultkeeper@127.0.0.1:1/srv/backups"


@pytest.fixture
def operator(testapp, make_operator):  # noqa: F811 - the imported fixture
    make_operator()
    operator_login(testapp)
    return testapp


@pytest.fixture
def tenants(restic_installed, make_tenant, make_user, tenant_request, target, clock):
    make_tenant("acme", "Acme Care", plugins={NAME: {"target": target}})
    make_tenant("beta", "Beta Clinic", plugins={NAME: {"target": target, "keep_days": 7}})
    make_tenant("gamma", "Gamma Home", plugins={NAME: {"target": target}})
    make_tenant("delta", "Delta House", plugins={NAME: {"target": UNREACHABLE}})
    make_tenant("omega", "Omega Without")
    for slug in ("acme", "beta", "gamma", "delta", "omega"):
        make_user(slug, f"admin@{slug}.test", groups=("admin",))
        add_records(tenant_request, slug, 3, prefix=f"Secret{slug}")
    with tenant_request("beta") as request:
        service.run_backup(request)
    clock.advance(50 * HOUR)  # beta's only backup is 56 hours old at the end
    for _ in range(2):
        with tenant_request("acme") as request:
            made = service.run_backup(request)
        clock.advance(3 * HOUR)
    return made


@pytest.fixture
def restic_calls(monkeypatch) -> list[tuple[str, ...]]:
    """Every restic process started from now on: its arguments (the repository's options cut)."""
    started = []
    popen = Repository.popen

    def counted(self, *args, **kwargs):
        started.append(args)
        return popen(self, *args, **kwargs)
    monkeypatch.setattr(Repository, "popen", counted)
    return started


def row_text(page, slug: str) -> str:
    row = page.html.find(id=f"tenant-{slug}")
    assert row is not None, f"no row for {slug}"
    note = row.find_next_sibling("tr")
    noted = note.get_text(" ", strip=True) if note is not None and "note" in (
        note.get("class") or []) else ""
    return row.get_text(" ", strip=True) + " | " + noted


def test_operators_see_every_enabling_tenants_backup_status(tenants, operator, restic_calls):
    page = operator.get("/platform/backup")
    # The figures kept by the runs: the page itself lists no repository.
    assert restic_calls == []
    assert "Backups" in [a.get_text() for a in page.html.select("header nav a")]
    acme = row_text(page, "acme")
    assert "directory" in acme and "Acme Care" in acme
    assert "3.0 hours" in acme and "verified" in acme and "2 verified" in acme
    assert f"{tenants['size'] / 1024:.1f} KiB" in acme
    assert "older than a day" not in acme
    beta = row_text(page, "beta")
    assert "older than a day" in beta and "2.3 days" in beta and "1 verified" in beta
    assert "7 days" in beta
    # Never backed up, never listed: not known until a refresh lists them.
    gamma = row_text(page, "gamma")
    assert "not listed yet" in gamma and "older than a day" in gamma
    delta = row_text(page, "delta")
    assert "SFTP" in delta and "not listed yet" in delta and "older than a day" in delta
    assert page.html.find(id="tenant-omega") is None
    assert "3 of 4 tenants" in page.html.find(id="backup-summary").get_text(" ", strip=True)

    # Refresh lists every repository again, once each, and keeps what it found.
    page = page.forms["refresh-all"].submit().follow()
    assert {args[0] for args in restic_calls} <= {"cat", "snapshots"}
    assert sum(args[0] == "snapshots" for args in restic_calls) == 2  # acme, beta
    gamma = row_text(page, "gamma")
    assert "no backup yet" in gamma and "older than a day" in gamma
    delta = row_text(page, "delta")
    assert "the target cannot be reached" in delta and "older than a day" in delta
    assert "2 verified" in row_text(page, "acme")
    restic_calls.clear()
    operator.get("/platform/backup")
    assert restic_calls == []
    # The target's kind only: no URL, account, path or key; no people; nothing to restore.
    for secret in ("vaultkeeper", "/srv/backups", "127.0.0.1:1", "file://", "Secretacme",
                   "@acme.test", "@beta.test"):
        assert secret not in page.text
    # Its only actions list repositories again.
    assert {urlsplit(form.get("action")).path for form in page.html.find_all("form")
            if "backup" in (form.get("action") or "")} == {"/platform/backup/refresh"}
    assert "restore" not in page.text.lower().replace("nothing here reads or restores", "")


def test_a_failed_run_is_shown(tenants, operator, tenant_request, monkeypatch):
    def broken_dump(*args, **kwargs):
        raise BackupError("dump_failed", "pg_dump exited with status 1")

    monkeypatch.setattr(service, "write_backup", broken_dump)
    with tenant_request("acme") as request, pytest.raises(BackupError):
        service.run_backup(request)
    acme = row_text(operator.get("/platform/backup"), "acme")
    assert "The last run failed" in acme and "verified" in acme
    assert "older than a day" not in acme  # the newest verified backup is 3 hours old
    assert "pg_dump exited" not in acme  # the tenant's own page tells why


def test_tenant_users_never_reach_the_operators_page(tenants, testapp, console_client):
    admin = console_client("acme", "admin@acme.test", PASSWORD)
    admin.get("/acme/backup", status=200)
    admin.get("/platform/backup", status=303)
    testapp.get("/platform/backup", status=303)


def test_a_restore_keeps_the_status_and_a_copy_never_shows_its_sources(
        tenants, operator, tenant_request, praxcloud, restic_calls):  # noqa: F811
    # acme's newest backup was dumped when its kept status said one backup, not two.
    with tenant_request("acme") as request:
        service.restore(request)
    acme = row_text(operator.get("/platform/backup"), "acme")
    assert "2 verified" in acme and "3.0 hours" in acme
    # A copy holds acme's row, which describes acme's repository: not the copy's.
    praxcloud("backup", "restore", "--tenant", "acme", "--into", "copy")
    restic_calls.clear()
    page = operator.get("/platform/backup")
    assert restic_calls == []
    copy = row_text(page, "copy")
    assert "not listed yet" in copy and "0 verified" in copy and "2 verified" not in copy
    copy = row_text(page.forms["refresh-copy"].submit().follow(), "copy")
    assert "no backup yet" in copy and "0 verified" in copy
