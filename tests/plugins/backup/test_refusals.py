"""Tampered, truncated or wrong-key backups are refused with a clear error; the data stays.

Also the other ways a run fails closed: restic missing, a target that does not
answer, no backup to restore. Each failure is in the tenant's audit trail.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import delete

from plugins.backup import config, databases, service
from plugins.backup.errors import BackupError
from praxcloud.core.provisioning import delete_tenant
from praxcloud.plugin import Record

from .conftest import NAME, events, snapshot_of


def run(tenant_request, slug="acme") -> dict:
    with tenant_request(slug) as request:
        return service.run_backup(request)


def packs(target_dir: Path, slug="acme") -> list[Path]:
    found = sorted(path for path in (target_dir / slug / "data").rglob("*") if path.is_file())
    assert found
    return found


def flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for offset in (len(data) // 3, len(data) // 2):
        data[offset] ^= 0xFF
    os.chmod(path, 0o600)
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    os.chmod(path, 0o600)
    with path.open("r+b") as handle:
        handle.truncate(path.stat().st_size // 2)


def change_data(tenant_request, slug="acme") -> None:
    with tenant_request(slug) as request:
        request.tenant_db.execute(delete(Record).where(Record.id > 10))


def refused(tenant_request, slug="acme", **kwargs) -> BackupError:
    with pytest.raises(BackupError) as caught, tenant_request(slug) as request:
        service.restore(request, **kwargs)
    return caught.value


@pytest.mark.parametrize("damage", ["flip", "truncate", "flip_data_only"])
def test_a_damaged_backup_is_refused_and_nothing_changes(acme, tenant_request, target_dir,
                                                         damage):
    run(tenant_request)
    if damage == "flip_data_only":
        # The largest pack holds the dump's data (trees are small): the dump starts, then fails.
        flip(max(packs(target_dir), key=lambda path: path.stat().st_size))
    else:
        for pack in packs(target_dir):
            (flip if damage == "flip" else truncate)(pack)
    before, _ = snapshot_of(tenant_request, "acme")
    change_data(tenant_request)
    changed, _ = snapshot_of(tenant_request, "acme")
    assert changed["records"] != before["records"]

    error = refused(tenant_request)
    assert error.code in ("damaged", "restic_failed"), error.message
    assert "acme" in error.message and "\n" not in error.message
    after, _ = snapshot_of(tenant_request, "acme")
    assert {k: v for k, v in after.items() if not k.startswith("audit")} == {
        k: v for k, v in changed.items() if not k.startswith("audit")}

    with pytest.raises(BackupError) as caught, tenant_request("acme") as request:
        service.verify(request)
    assert caught.value.code in ("damaged", "restic_failed")
    assert ("backup.restore_failed", "failure") in events(tenant_request, "acme")
    assert ("backup.verify_failed", "failure") in events(tenant_request, "acme")


def test_a_backup_under_another_key_is_refused(acme, tenant_request, registry, make_tenant,
                                               target):
    run(tenant_request)
    # The tenant is deleted (its key shredded) and a new one takes the slug and target.
    delete_tenant(registry.tenancy, "acme")
    make_tenant("acme", plugins={NAME: {"target": target}})
    error = refused(tenant_request)
    assert error.code == "wrong_key"
    assert "does not open" in error.message
    with pytest.raises(BackupError) as caught, tenant_request("acme") as request:
        service.run_backup(request)
    assert caught.value.code == "wrong_key"
    assert ("backup.failed", "failure") in events(tenant_request, "acme")


def test_restic_missing_is_a_clear_error(acme, tenant_request, monkeypatch):
    monkeypatch.setitem(config.INI_DEFAULTS, "restic", "/nonexistent/restic")
    with pytest.raises(BackupError) as caught, tenant_request("acme") as request:
        service.run_backup(request)
    assert caught.value.code == "restic_missing"
    assert "restic is not installed" in caught.value.message
    assert events(tenant_request, "acme") == [("backup.failed", "failure")]


def test_an_unreachable_target_is_a_clear_error(acme, tenant_request, enable_plugin,
                                                registry):
    from praxcloud.core import contracts

    contracts.configure(registry, "acme", NAME, {"target": "sftp://backup@127.0.0.1:9/srv"})
    with pytest.raises(BackupError) as caught, tenant_request("acme") as request:
        service.run_backup(request)
    assert caught.value.code == "target_unreachable", caught.value.message
    assert "127.0.0.1" in caught.value.message


def test_no_target_and_no_backup_are_clear_errors(restic_installed, make_tenant,
                                                  tenant_request, target):
    make_tenant("beta", plugins={NAME: {}})
    with pytest.raises(BackupError) as caught, tenant_request("beta") as request:
        service.run_backup(request)
    assert caught.value.code == "target_missing"
    make_tenant("gamma", plugins={NAME: {"target": target}})
    assert refused(tenant_request, "gamma").code == "no_backup"


def test_a_target_outside_the_allowed_ones_is_refused(acme, tenant_request, monkeypatch):
    monkeypatch.setitem(config.INI_DEFAULTS, "allowed_targets", "sftp://backup@vault/")
    with pytest.raises(BackupError) as caught, tenant_request("acme") as request:
        service.run_backup(request)
    assert caught.value.code == "target_not_allowed"


def test_a_stream_that_differs_from_the_verified_one_is_rolled_back(acme, tenant_request,
                                                                    monkeypatch):
    """The dump reads back whole (restic is content) but not as it was written: the
    restore has already fed pg_restore all of it but its last piece, and must still
    change nothing."""
    run(tenant_request)
    monkeypatch.setattr(databases, "CHUNK", 1024)  # many pieces, even for a small dump
    with tenant_request("acme") as request:
        repo = service.repository(request)
        snapshot = repo.snapshots()[-1]
        sha = service.tags_of(snapshot)["sha256"]
        repo.run("tag", "--remove", f"sha256:{sha}", "--add", "sha256:" + "0" * 64,
                 snapshot["id"])
    change_data(tenant_request)
    changed, _ = snapshot_of(tenant_request, "acme")
    error = refused(tenant_request)
    assert error.code == "damaged" and "differ" in error.message
    after, _ = snapshot_of(tenant_request, "acme")
    assert after["records"] == changed["records"]


def test_the_password_is_never_on_the_command_line(acme, tenant_request, caplog):
    with tenant_request("acme") as request:
        repo = service.repository(request)
        password = repo.environment()["RESTIC_PASSWORD"]
        assert len(password) >= 43  # 256 bits, base64url
        assert all(password not in arg for arg in repo.argv("snapshots"))
        assert password not in repr(repo)
        assert service.repository(request).environment()["RESTIC_PASSWORD"] == password
    with pytest.raises(BackupError) as caught, tenant_request("acme") as request:
        service.verify(request)
    assert password not in caught.value.message and password not in caplog.text


def test_a_missing_target_directory_is_not_made(acme, tenant_request, target_dir):
    """An unmounted backup disk: the repository is not made on the mount point."""
    target_dir.rmdir()
    with pytest.raises(BackupError) as caught, tenant_request("acme") as request:
        service.run_backup(request)
    assert caught.value.code == "target_unreachable"
    assert "does not exist (not mounted?)" in caught.value.message
    assert not target_dir.exists()
