"""The SFTP target against a real OpenSSH server on a loopback port.

The test starts ``/usr/sbin/sshd`` with a private config (its own host key, one
authorised client key, an internal SFTP server), gives the plugin the client
key and a known_hosts file naming that host key in the ini, and stops the
server by its PID.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import delete

from plugins.backup import service
from plugins.backup.errors import BackupError
from praxcloud.plugin import Record
from praxcloud.testing import need

from .conftest import NAME, OWN_TABLES, add_records, snapshot_of

SSHD = "/usr/sbin/sshd"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)],
                   check=True)


class Sshd:
    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.host_key = directory / "host_key"
        self.client_key = directory / "client_key"
        self.known_hosts = directory / "known_hosts"
        self.wrong_known_hosts = directory / "wrong_known_hosts"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        keygen(self.host_key)
        keygen(self.client_key)
        keygen(self.directory / "other_host_key")
        authorized = self.directory / "authorized_keys"
        authorized.write_text((self.directory / "client_key.pub").read_text())
        authorized.chmod(0o600)
        for path, key in ((self.known_hosts, self.host_key),
                          (self.wrong_known_hosts, self.directory / "other_host_key")):
            kind, blob = Path(f"{key}.pub").read_text().split()[:2]
            path.write_text(f"[127.0.0.1]:{self.port} {kind} {blob}\n")
        config = self.directory / "sshd_config"
        config.write_text("\n".join([
            f"Port {self.port}", "ListenAddress 127.0.0.1", f"HostKey {self.host_key}",
            f"PidFile {self.directory / 'sshd.pid'}", f"AuthorizedKeysFile {authorized}",
            "PasswordAuthentication no", "KbdInteractiveAuthentication no",
            "PubkeyAuthentication yes", "UsePAM no", "StrictModes no",
            "PermitRootLogin prohibit-password", "Subsystem sftp internal-sftp",
            "LogLevel ERROR", ""]))
        if os.geteuid() == 0:
            # Debian's sshd wants its privilege separation directory, which only its
            # service unit makes.
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        self.process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sshd did not start: {self.process.stderr.read()!r}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("sshd did not listen within 10 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, 15)
            self.process.wait(timeout=10)


@pytest.fixture
def sshd(tmp_path, restic_installed):
    need(os.path.exists(SSHD) and shutil.which("ssh") is not None
         and shutil.which("ssh-keygen") is not None,
         "OpenSSH (openssh-server, openssh-client) is not installed")
    directory = tmp_path / "sshd"
    directory.mkdir()
    server = Sshd(directory)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def settings(settings, sshd):
    return {**settings, "praxcloud.plugin.backup.ssh_key": str(sshd.client_key),
            "praxcloud.plugin.backup.known_hosts": str(sshd.known_hosts)}


@pytest.fixture
def sftp_target(sshd, tmp_path) -> tuple[str, Path]:
    directory = tmp_path / "remote"
    directory.mkdir()
    return f"sftp://{getpass.getuser()}@127.0.0.1:{sshd.port}{directory}", directory


def test_backup_and_restore_through_sftp(sshd, sftp_target, make_tenant, tenant_request):
    url, directory = sftp_target
    make_tenant("acme", plugins={NAME: {"target": url}})
    add_records(tenant_request, "acme", 20)
    before, _ = snapshot_of(tenant_request, "acme")
    with tenant_request("acme") as request:
        made = service.run_backup(request)
    assert made["status"] == "verified"
    assert (directory / "acme" / "config").exists()
    assert any((directory / "acme" / "data").rglob("*"))

    with tenant_request("acme") as request:
        request.tenant_db.execute(delete(Record))
    with tenant_request("acme") as request:
        assert service.restore(request)["id"] == made["id"]
        assert [item["id"] for item in service.list_backups(request)] == [made["id"]]
    after, _ = snapshot_of(tenant_request, "acme")
    assert {k: v for k, v in after.items() if k not in OWN_TABLES} == {
        k: v for k, v in before.items() if k not in OWN_TABLES}


def test_an_unknown_host_key_or_a_stopped_server_is_refused(sshd, sftp_target, make_tenant,
                                                            tenant_request, monkeypatch):
    from plugins.backup import config

    url, _ = sftp_target
    make_tenant("acme", plugins={NAME: {"target": url}})
    monkeypatch.setitem(config.INI_DEFAULTS, "known_hosts", str(sshd.wrong_known_hosts))
    monkeypatch.setattr(config, "plugin_ini_settings",
                        lambda source, name: {"ssh_key": str(sshd.client_key)})
    with pytest.raises(BackupError) as caught, tenant_request("acme") as request:
        service.run_backup(request)
    assert caught.value.code == "target_unreachable", caught.value.message
    monkeypatch.undo()
    sshd.stop()
    with pytest.raises(BackupError) as caught, tenant_request("acme") as request:
        service.run_backup(request)
    assert caught.value.code == "target_unreachable", caught.value.message
    assert f"127.0.0.1:{sshd.port}" in caught.value.message
