"""The S3 target against a real S3 server (moto's) on a loopback port.

The test starts ``python -m moto.server`` on a free loopback port, makes an IAM
user with an access key allowed ``s3:*`` while the server still answers
anyone, then turns moto's authentication on (``/moto-api/reset-auth``), so
from then on the store checks each request's signature against that key, as
a real store does. The keys reach the plugin through the ini only; the server
is stopped by its PID. One test serves https with a certificate signed by a CA
of the test's own, named in the ini (``s3_ca_cert``), as a private store's.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import delete

from plugins.backup import service
from plugins.backup.errors import BackupError
from plugins.backup.targets import S3Target, parse_target
from praxcloud.plugin import Record
from praxcloud.testing import need

from .conftest import NAME, OWN_TABLES, add_records, events, snapshot_of
from .test_cli import praxcloud  # noqa: F401 - a fixture

INI = "praxcloud.plugin.backup."
BUCKET = "praxcloud-backups"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MotoS3:
    """moto's server on 127.0.0.1:port, with one IAM user's key, authentication on.

    With ``tls``, it serves https with a certificate for 127.0.0.1 that a CA of
    the test's own signed (``ca_cert``), as a private store would.
    """

    def __init__(self, directory: Path, tls: bool = False):
        self.directory = directory
        self.port = free_port()
        self.tls = tls
        self.endpoint = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.ca_cert = directory / "ca.pem"
        self.process: subprocess.Popen | None = None
        self.key_id = self.secret = ""

    def _certificates(self) -> list[str]:
        def openssl(*args: str) -> None:
            subprocess.run(["openssl", *args], check=True, capture_output=True,
                           cwd=self.directory)

        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        openssl("req", "-x509", *ec, "-days", "2", "-subj", "/CN=test CA", "-keyout",
                "ca.key", "-out", "ca.pem")
        openssl("req", *ec, "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out",
                "server.csr")
        (self.directory / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "server.pem")
        return ["-c", str(self.directory / "server.pem"), "-k", str(self.directory / "server.key")]

    def start(self) -> None:
        log = (self.directory / "moto.log").open("wb")
        tls = self._certificates() if self.tls else []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port), *tls],
            stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "AWS_DEFAULT_REGION": "us-east-1"})
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto did not start: "
                                   f"{(self.directory / 'moto.log').read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("moto did not listen within 30 s") from None
                time.sleep(0.1)
        self._make_key()

    def _make_key(self) -> None:
        import boto3

        iam = boto3.client("iam", endpoint_url=self.endpoint, region_name="us-east-1",
                           aws_access_key_id="setup", aws_secret_access_key="setup",
                           verify=self.verify)
        iam.create_user(UserName="backup")
        key = iam.create_access_key(UserName="backup")["AccessKey"]
        iam.put_user_policy(UserName="backup", PolicyName="backups", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
        self.key_id, self.secret = key["AccessKeyId"], key["SecretAccessKey"]
        # From now on every request must be signed with a key moto knows.
        url = f"{self.endpoint}/moto-api/reset-auth"
        request = urllib.request.Request(url, data=b"0", method="POST",  # noqa: S310 - http
                                         headers={"Content-Type": "text/plain"})
        context = ssl.create_default_context(cafile=self.verify) if self.tls else None
        with urllib.request.urlopen(request, timeout=10,  # noqa: S310 - loopback
                                    context=context) as answer:
            assert json.loads(answer.read())["status"] == "ok"

    @property
    def verify(self) -> str | None:
        return str(self.ca_cert) if self.tls else None

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=self.key_id, aws_secret_access_key=self.secret,
                            verify=self.verify)

    def objects(self, prefix: str) -> list[str]:
        found = self.client().list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
        return [item["Key"] for item in found]

    def buckets(self) -> list[str]:
        return [bucket["Name"] for bucket in self.client().list_buckets()["Buckets"]]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, 15)
            self.process.wait(timeout=10)


@pytest.fixture
def moto(request, tmp_path, restic_installed):
    """moto's S3 server; ``parametrize("moto", ["https"], indirect=True)`` for https."""
    tls = getattr(request, "param", "http") == "https"
    need(not tls or shutil.which("openssl") is not None, "openssl is not installed")
    need(importlib.util.find_spec("moto") is not None
         and importlib.util.find_spec("boto3") is not None
         and importlib.util.find_spec("flask") is not None,
         "moto's server is not installed (pip install 'moto[server]', in the test extra)")
    directory = tmp_path / "moto"
    directory.mkdir()
    server = MotoS3(directory, tls)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def settings(settings, moto):
    return {**settings, INI + "s3_access_key_id": moto.key_id,
            INI + "s3_secret_access_key": moto.secret,
            **({INI + "s3_ca_cert": str(moto.ca_cert)} if moto.tls else {})}


@pytest.fixture
def s3_url(moto) -> str:
    return f"s3+http://127.0.0.1:{moto.port}/{BUCKET}/tenants"


def stable(found: dict) -> dict:
    return {table: digest for table, digest in found.items() if table not in OWN_TABLES}


def test_run_list_verify_restore_through_s3(moto, s3_url, praxcloud,  # noqa: F811
                                            make_tenant, tenant_request, backend):
    make_tenant("acme")
    add_records(tenant_request, "acme", 25)
    praxcloud("plugins", "enable", "acme", NAME, f"target={s3_url}")
    before, _ = snapshot_of(tenant_request, "acme")

    out = praxcloud("backup", "run", "--tenant", "acme").output
    assert "acme: backup " in out and "verified" in out
    # The repository is in the bucket, under the prefix and the tenant's slug.
    stored = moto.objects("tenants/acme/")
    assert "tenants/acme/config" in stored and any("/data/" in key for key in stored)
    listed = json.loads(praxcloud("backup", "list", "--tenant", "acme", "--json").output)
    assert len(listed) == 1 and listed[0]["status"] == "verified" and listed[0]["size"] > 0
    assert listed[0]["engine"] == backend
    assert "acme: ok" in praxcloud("backup", "verify", "--tenant", "acme").output

    with tenant_request("acme") as request:
        request.tenant_db.execute(delete(Record))
    assert stable(snapshot_of(tenant_request, "acme")[0]) != stable(before)
    out = praxcloud("backup", "restore", "--tenant", "acme", "--yes").output
    assert f"restored backup {listed[0]['short_id']}" in out
    assert stable(snapshot_of(tenant_request, "acme")[0]) == stable(before)
    assert [event for event, _ in events(tenant_request, "acme")][-1] == "backup.restored"


def test_wrong_keys_are_refused_with_a_clear_error(moto, s3_url, praxcloud,  # noqa: F811
                                                   make_tenant, tenant_request, monkeypatch):
    from plugins.backup import config

    make_tenant("acme", plugins={NAME: {"target": s3_url}})
    real = config.plugin_ini_settings
    for wrong in ({"s3_secret_access_key": moto.secret[:-4] + "AAAA"},
                  {"s3_access_key_id": "AKIAIOSFODNN7EXAMPLE"}):
        monkeypatch.setattr(config, "plugin_ini_settings",
                            lambda source, name, wrong=wrong: {**real(source, name), **wrong})
        with pytest.raises(BackupError) as caught, tenant_request("acme") as request:
            service.run_backup(request)
        assert caught.value.code == "credentials_refused", caught.value.message
        assert "refused the S3 keys" in caught.value.message
        assert moto.secret not in caught.value.message
        out = praxcloud("backup", "run", "--tenant", "acme", code=1).output
        assert "refused the S3 keys" in out and "Traceback" not in out
    assert BUCKET not in moto.buckets()  # restic wrote nothing, made no bucket
    assert events(tenant_request, "acme")[-1] == ("backup.failed", "failure")


def test_a_stopped_store_is_unreachable(moto, s3_url, praxcloud,  # noqa: F811
                                        make_tenant, tenant_request):
    make_tenant("acme", plugins={NAME: {"target": s3_url}})
    add_records(tenant_request, "acme", 3)
    praxcloud("backup", "run", "--tenant", "acme")
    moto.stop()
    with pytest.raises(BackupError) as caught, tenant_request("acme") as request:
        service.run_backup(request)
    assert caught.value.code == "target_unreachable", caught.value.message
    assert f"127.0.0.1:{moto.port}" in caught.value.message
    out = praxcloud("backup", "list", "--tenant", "acme", code=1).output
    assert "cannot reach s3+http://127.0.0.1" in out
    out = praxcloud("backup", "restore", "--tenant", "acme", "--yes", code=1).output
    assert "cannot reach" in out


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("moto", ["https"], indirect=True)
def test_https_is_the_default_and_its_certificate_is_checked(moto, make_tenant, tenant_request,
                                                             monkeypatch):
    from plugins.backup import config

    url = f"s3://127.0.0.1:{moto.port}/{BUCKET}/tenants"  # no +http: https
    make_tenant("acme", plugins={NAME: {"target": url}})
    add_records(tenant_request, "acme", 5)
    with tenant_request("acme") as request:
        made = service.run_backup(request)
        assert service.verify(request)[0]["id"] == made["id"]
    assert "tenants/acme/config" in moto.objects("tenants/acme/")
    # Without the private CA in the ini, the store's certificate is refused: nothing is sent.
    real = config.plugin_ini_settings
    monkeypatch.setattr(config, "plugin_ini_settings", lambda source, name: {
        key: value for key, value in real(source, name).items() if key != "s3_ca_cert"})
    with pytest.raises(BackupError) as caught, tenant_request("acme") as request:
        service.run_backup(request)
    assert caught.value.code == "target_unreachable", caught.value.message
    assert "certificate" in caught.value.message
    monkeypatch.undo()
    with tenant_request("acme") as request:
        assert [item["id"] for item in service.list_backups(request)] == [made["id"]]


# The URL and the keys, without a server ------------------------------------------------
KEYS = {"s3_access_key_id": "AKIAEXAMPLE", "s3_secret_access_key": "secret"}


def test_https_by_default_and_http_only_on_loopback_or_when_allowed():
    target = parse_target("s3://s3.example.net/bucket/some/prefix", KEYS)
    assert isinstance(target, S3Target)
    assert target.repository("acme") == "s3:https://s3.example.net/bucket/some/prefix/acme"
    assert target.describe("acme") == "s3://s3.example.net/bucket/some/prefix/acme"
    assert parse_target("s3://[::1]:9000/bucket", KEYS).repository("a") == \
        "s3:https://[::1]:9000/bucket/a"
    assert parse_target("s3+http://127.0.0.1:9000/bucket", KEYS).repository("a") == \
        "s3:http://127.0.0.1:9000/bucket/a"
    with pytest.raises(BackupError) as caught:
        parse_target("s3+http://s3.example.net/bucket", KEYS)
    assert caught.value.code == "target_not_allowed" and "s3_allow_http" in caught.value.message
    allowed = parse_target("s3+http://s3.example.net/bucket", {**KEYS, "s3_allow_http": "true"})
    assert allowed.repository("a") == "s3:http://s3.example.net/bucket/a"


@pytest.mark.parametrize("url", ["s3://KEY:SECRET@s3.example.net/bucket", "s3://s3.example.net",
                                 "s3://s3.example.net/Bad_Bucket", "s3://host:port/bucket",
                                 "s3://s3.example.net/bucket?x=1"])
def test_malformed_s3_urls_are_refused(url):
    with pytest.raises(BackupError) as caught:
        parse_target(url, KEYS)
    assert caught.value.code == "target_invalid"
    assert "SECRET" not in caught.value.message


def test_keys_come_from_the_ini_or_a_private_credentials_file(tmp_path):
    url = "s3://s3.example.net/bucket"
    assert parse_target(url, KEYS).environment() == {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
                                                     "AWS_SECRET_ACCESS_KEY": "secret"}
    with pytest.raises(BackupError) as caught:
        parse_target(url, {}).environment()
    assert caught.value.code == "credentials_missing"
    with pytest.raises(BackupError) as caught:
        parse_target(url, {}).check_reachable()  # said before restic or the network
    assert caught.value.code == "credentials_missing"

    path = tmp_path / "credentials"
    path.write_text("[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = s3cr%t\n"
                    "[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = x\n"
                    "aws_session_token = token\n")
    path.chmod(0o600)
    from_file = {"s3_credentials_file": str(path)}
    assert parse_target(url, from_file).environment() == {"AWS_ACCESS_KEY_ID": "AKIAFILE",
                                                          "AWS_SECRET_ACCESS_KEY": "s3cr%t"}
    assert parse_target(url, {**from_file, "s3_profile": "other"}).environment() == {
        "AWS_ACCESS_KEY_ID": "AKIAOTHER", "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_SESSION_TOKEN": "token"}
    for ini in ({**from_file, "s3_profile": "missing"}, {**from_file, **KEYS}):
        with pytest.raises(BackupError) as caught:
            parse_target(url, ini).environment()
        assert caught.value.code == "credentials_missing"
    path.chmod(0o644)
    with pytest.raises(BackupError) as caught:
        parse_target(url, from_file).environment()
    assert caught.value.code == "credentials_missing" and "chmod 600" in caught.value.message
