"""Where backups go: a target URL turned into the restic repository of one tenant.

Each tenant has a repository of its own under the target (``<target>/<slug>``),
encrypted with a password derived from the tenant's key. A target kind is a
class with ``repository(slug)`` and ``options()``; :data:`TARGET_KINDS` maps a
URL scheme to its class, so another kind (an S3-compatible store: restic's
``s3:`` repositories with their keys in ``environment()``) is one class more.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .errors import BackupError


class Target:
    """A place restic writes repositories to; one repository per tenant."""

    scheme = ""

    def __init__(self, url: str, ini: dict):
        self.url = url
        self.ini = ini

    def repository(self, slug: str) -> str:
        """restic's repository string for the tenant ``slug``."""
        raise NotImplementedError

    def options(self) -> list[str]:
        """restic command-line options (never a secret)."""
        return []

    def environment(self) -> dict[str, str]:
        """Variables restic needs for this target (credentials of an object store)."""
        return {}

    def describe(self, slug: str) -> str:
        """The repository as an operator reads it in an error message."""
        return self.repository(slug)

    def check_reachable(self) -> None:
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


TARGET_KINDS: dict[str, type[Target]] = {"file": DirectoryTarget, "sftp": SftpTarget}


def parse_target(url: str, ini: dict) -> Target:
    """The target ``url`` names; refused when empty, of an unknown kind or not allowed."""
    if not url:
        raise BackupError("target_missing", "no backup target is set: enable the plugin with "
                                            "target=file:///DIR or target=sftp://USER@HOST/DIR")
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
