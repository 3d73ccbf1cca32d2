"""Where backups go: a target URL turned into the restic repository of one tenant.

Each tenant has a repository of its own under the target (``<target>/<slug>``),
encrypted with a password derived from the tenant's key. A target kind is a
class with ``repository(slug)`` and ``options()``; :data:`TARGET_KINDS` maps a
URL scheme to its class: a directory, an SFTP server, or an S3-compatible
object store (restic's ``s3:`` repositories, their keys in ``environment()``).
"""

from __future__ import annotations

import configparser
import ipaddress
import re
import shlex
import socket
from abc import ABC, abstractmethod
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .errors import BackupError


class Target(ABC):
    """A place restic writes repositories to; one repository per tenant.

    A kind of target says at least where a tenant's repository is
    (:meth:`repository`); the rest has defaults."""

    scheme = ""

    def __init__(self, url: str, ini: dict):
        self.url = url
        self.ini = ini

    @abstractmethod
    def repository(self, slug: str) -> str:
        """restic's repository string for the tenant ``slug``."""

    def options(self) -> list[str]:
        """restic command-line options (never a secret)."""
        return []

    def environment(self) -> dict[str, str]:
        """Variables restic needs for this target (credentials of an object store)."""
        return {}

    def describe(self, slug: str) -> str:
        """The repository as an operator reads it in an error message."""
        return self.repository(slug)

    def check_reachable(self) -> None:  # noqa: B027 - most targets have no cheap check
        """Raise ``target_unreachable`` when the target is known not to be there."""


class DirectoryTarget(Target):
    """``file:///srv/backup``: a directory, on another disk or a mounted server."""

    scheme = "file"

    def __init__(self, url: str, ini: dict):
        super().__init__(url, ini)
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            raise BackupError("target_invalid", f"{url}: write file:///ABSOLUTE/DIRECTORY")
        self.directory = Path(unquote(parts.path))

    def repository(self, slug: str) -> str:
        return str(self.directory / slug)

    def exists(self, slug: str) -> bool | None:
        return (self.directory / slug / "config").exists()

    def check_reachable(self) -> None:
        # Never made here: a missing directory is often a backup disk that is not
        # mounted, and a repository made on the mount point would fill the wrong disk.
        if not self.directory.is_dir():
            raise BackupError("target_unreachable", f"the target directory {self.directory} "
                                                    f"does not exist (not mounted?)")


class SftpTarget(Target):
    """``sftp://user@host:port/dir``: an SSH server; the key and known_hosts named in the ini."""

    scheme = "sftp"

    def __init__(self, url: str, ini: dict):
        super().__init__(url, ini)
        parts = urlsplit(url)
        try:
            port = parts.port or 22
        except ValueError:
            raise BackupError("target_invalid", f"{url}: the port is not a number") from None
        if not parts.hostname or not parts.username or not parts.path.startswith("/"):
            raise BackupError("target_invalid", f"{url}: write sftp://USER@HOST:PORT/DIRECTORY")
        self.user, self.host, self.port = unquote(parts.username), parts.hostname, port
        self.directory = unquote(parts.path).rstrip("/") or "/"

    def repository(self, slug: str) -> str:
        return f"sftp:{self.user}@{self.host}:{self.directory}/{slug}"

    def exists(self, slug: str) -> bool | None:
        return None  # only restic can tell

    def options(self) -> list[str]:
        ssh = ["ssh", "-p", str(self.port), "-o", "BatchMode=yes",
               "-o", "ConnectTimeout=15", "-o", "ServerAliveInterval=30"]
        if self.ini.get("ssh_key"):
            ssh += ["-i", self.ini["ssh_key"], "-o", "IdentitiesOnly=yes"]
        if self.ini.get("known_hosts"):
            ssh += ["-o", f"UserKnownHostsFile={self.ini['known_hosts']}",
                    "-o", "StrictHostKeyChecking=yes"]
        ssh += ["-l", self.user, self.host, "-s", "sftp"]
        return ["-o", "sftp.command=" + shlex.join(ssh)]

    def describe(self, slug: str) -> str:
        return f"sftp://{self.user}@{self.host}:{self.port}{self.directory}/{slug}"


# S3's rule for bucket names (lower case, 3 to 63 characters, no leading or trailing dot).
BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
CONNECT_TIMEOUT = 10


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def s3_credentials(ini: dict) -> dict[str, str]:
    """The S3 keys from the ini: given there, or in the AWS credentials file it names.

    Never from the tenant's settings or the URL (a tenant administrator may
    read and change those); refused when missing, rather than letting restic
    look for keys of its own (a home directory's ~/.aws of another account).
    """
    key_id, secret = ini.get("s3_access_key_id", ""), ini.get("s3_secret_access_key", "")
    path = ini.get("s3_credentials_file", "")
    if path and (key_id or secret):
        raise BackupError("credentials_missing", "set either praxcloud.plugin.backup."
                                                 "s3_credentials_file or s3_access_key_id and "
                                                 "s3_secret_access_key, not both")
    if path:
        return _credentials_file(Path(path), ini.get("s3_profile") or "default")
    if not key_id or not secret:
        raise BackupError("credentials_missing", "no S3 keys: set praxcloud.plugin.backup."
                                                 "s3_access_key_id and s3_secret_access_key, "
                                                 "or s3_credentials_file, in the ini")
    return {"AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret}


def _credentials_file(path: Path, profile: str) -> dict[str, str]:
    try:
        mode = path.stat().st_mode
        text = path.read_text()
    except OSError as exc:
        raise BackupError("credentials_missing", f"the S3 credentials file {path} cannot be "
                                                 f"read ({exc.strerror})") from None
    if mode & 0o077:
        # As ssh treats a private key: a secret others can read is refused, not used.
        raise BackupError("credentials_missing", f"the S3 credentials file {path} can be read "
                                                 f"by others: chmod 600 it")
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source=str(path))
        section = parser[profile]
        found = {"AWS_ACCESS_KEY_ID": section["aws_access_key_id"].strip(),
                 "AWS_SECRET_ACCESS_KEY": section["aws_secret_access_key"].strip()}
    except (configparser.Error, KeyError):
        raise BackupError("credentials_missing", f"the S3 credentials file {path} has no "
                                                 f"[{profile}] aws_access_key_id and "
                                                 f"aws_secret_access_key") from None
    if section.get("aws_session_token"):
        found["AWS_SESSION_TOKEN"] = section["aws_session_token"].strip()
    if not all(found.values()):
        raise BackupError("credentials_missing", f"the S3 credentials file {path} has an "
                                                 f"empty key in [{profile}]")
    return found


class S3Target(Target):
    """``s3://HOST[:PORT]/BUCKET[/PREFIX]``: an S3-compatible object store, over https.

    restic's repository is ``s3:https://HOST:PORT/BUCKET/PREFIX/<slug>``; the
    keys come from the ini only (:func:`s3_credentials`) and reach restic in
    its environment. Plain http (``s3+http://``) is refused unless the store is
    on a loopback address or the ini allows it (``s3_allow_http = true``): the
    keys sign each request, but the backups' metadata and the store's answers
    would travel unauthenticated.
    """

    scheme = "s3"

    def __init__(self, url: str, ini: dict):
        super().__init__(url, ini)
        parts = urlsplit(url)
        form = "write s3://HOST[:PORT]/BUCKET[/PREFIX]"
        if parts.username is not None or parts.password is not None:
            raise BackupError("target_invalid", "an S3 target holds no keys: set them in the "
                                                "ini (praxcloud.plugin.backup.s3_access_key_id "
                                                "and s3_secret_access_key)")
        try:
            self.port = parts.port
        except ValueError:
            raise BackupError("target_invalid", f"{url}: the port is not a number") from None
        segments = [unquote(part) for part in parts.path.split("/") if part]
        if not parts.hostname or not segments or parts.query or parts.fragment:
            raise BackupError("target_invalid", f"{url}: {form}")
        if not BUCKET.match(segments[0]):
            raise BackupError("target_invalid", f"{url}: {segments[0]!r} is not a bucket name "
                                                f"(3 to 63 lower-case letters, digits, dots, "
                                                f"hyphens)")
        self.host = parts.hostname
        self.bucket, self.prefix = segments[0], "/".join(segments[1:])
        self.http = parts.scheme == "s3+http"
        if self.http and not is_loopback(self.host) and \
                ini.get("s3_allow_http", "").lower() not in ("true", "yes", "1"):
            raise BackupError("target_not_allowed", f"{url}: plain http is only for a store on "
                                                    f"a loopback address, unless the platform "
                                                    f"allows it (praxcloud.plugin.backup."
                                                    f"s3_allow_http); write s3:// for https")

    def _authority(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}" if self.port else host

    def _path(self, slug: str) -> str:
        return "/".join(part for part in (self.bucket, self.prefix, slug) if part)

    def repository(self, slug: str) -> str:
        return f"s3:{'http' if self.http else 'https'}://{self._authority()}/{self._path(slug)}"

    def exists(self, slug: str) -> bool | None:
        return None  # only restic can tell

    def options(self) -> list[str]:
        found = []
        if self.ini.get("s3_region"):
            found += ["-o", f"s3.region={self.ini['s3_region']}"]
        if self.ini.get("s3_ca_cert"):
            found += ["--cacert", self.ini["s3_ca_cert"]]
        return found

    def environment(self) -> dict[str, str]:
        return s3_credentials(self.ini)

    def describe(self, slug: str) -> str:
        return f"{'s3+http' if self.http else 's3'}://{self._authority()}/{self._path(slug)}"

    def check_reachable(self) -> None:
        s3_credentials(self.ini)  # missing keys are said before restic runs
        # restic retries an unanswered store for minutes; a refused connection is told now.
        port = self.port or (80 if self.http else 443)
        try:
            socket.create_connection((self.host, port), timeout=CONNECT_TIMEOUT).close()
        except OSError as exc:
            raise BackupError("target_unreachable", f"cannot reach {self.describe('')}: "
                                                    f"{exc.strerror or exc}") from None


TARGET_KINDS: dict[str, type[Target]] = {"file": DirectoryTarget, "sftp": SftpTarget,
                                         "s3": S3Target, "s3+http": S3Target}


def parse_target(url: str, ini: dict) -> Target:
    """The target ``url`` names; refused when empty, of an unknown kind or not allowed."""
    if not url:
        raise BackupError("target_missing", "no backup target is set: enable the plugin with "
                                            "target=file:///DIR, target=sftp://USER@HOST/DIR "
                                            "or target=s3://HOST/BUCKET")
    allowed = ini.get("allowed_targets", "").split()
    if allowed and not any(url.startswith(prefix) for prefix in allowed):
        raise BackupError("target_not_allowed",
                          f"{url} is not under a target the platform allows "
                          f"(praxcloud.plugin.backup.allowed_targets)")
    kind = TARGET_KINDS.get(urlsplit(url).scheme)
    if kind is None:
        raise BackupError("target_invalid", f"{url}: unknown kind of target "
                                            f"({', '.join(sorted(TARGET_KINDS))})")
    return kind(url, ini)
