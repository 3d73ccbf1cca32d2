"""restic, run as a subprocess: one tenant's repository under a target.

The repository password (derived from the tenant's key) reaches restic in
its environment only (``RESTIC_PASSWORD``), never on the command line and
never in a log; the environment is built from nothing but what restic needs,
so no ``RESTIC_*`` variable of the calling process leaks in. Every failure
is a :class:`BackupError` whose code says what went wrong (restic missing,
target unreachable, wrong key, damaged data) and whose message is one line.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import tempfile
from collections.abc import Iterable

from .databases import error_text
from .errors import BackupError
from .targets import Target

# restic's messages (0.14 to 0.17) and what they mean for an operator.
WRONG_KEY = ("wrong password or no key found",)
NO_REPOSITORY = ("Is there a repository at the following location?",
                 "repository does not exist", "unable to open config file")
UNREACHABLE = ("unable to start the sftp session", "ssh: connect to host",
               "Connection refused", "Host key verification failed", "Permission denied",
               "subprocess ssh:", "Connection closed", "No route to host",
               "Could not resolve hostname", "ssh command exited",
               # an S3 store (Go's net errors, as restic passes them on)
               "dial tcp", "connect: connection refused", "no such host", "i/o timeout",
               "x509: certificate", "tls: ")
# An S3 store refusing the keys: checked before NO_REPOSITORY, which restic says too.
CREDENTIALS = ("The AWS Access Key Id you provided does not exist",
               "The request signature we calculated does not match", "InvalidAccessKeyId",
               "SignatureDoesNotMatch", "Access Denied", "AccessDenied",
               "The security token included in the request is invalid")
DAMAGED = ("ciphertext verification failed", "ciphertext", "unexpected EOF",
           "hash does not match", "Load(", "load(", "invalid data returned",
           "wrong length", "checksum", "not found in index", "is damaged", "errors were found",
           "EOF", "Pack ID does not match", "decrypt", "truncated")


def classify(stderr: str, describe: str, action: str) -> BackupError:
    """The error restic's ``stderr`` tells, in one line naming the repository."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    detail = next((line for line in lines if line.startswith("Fatal:")), None) or (
        lines[-1] if lines else "no message")
    if any(text in stderr for text in WRONG_KEY):
        return BackupError("wrong_key", f"the backup key does not open {describe} (a wrong key, "
                                        f"or the tenant's key was destroyed)")
    if any(text in stderr for text in CREDENTIALS):
        return BackupError("credentials_refused", f"{describe} refused the S3 keys (praxcloud."
                                                  f"plugin.backup.s3_*): {detail}")
    if any(text in stderr for text in UNREACHABLE):
        return BackupError("target_unreachable", f"cannot reach {describe}: {detail}")
    if any(text in stderr for text in NO_REPOSITORY):
        return BackupError("no_repository", f"no backup repository at {describe}")
    if any(text in stderr for text in DAMAGED):
        return BackupError("damaged", f"the backup at {describe} is damaged or was tampered "
                                      f"with, refused ({action}: {detail})")
    return BackupError("restic_failed", f"restic {action} failed for {describe}: {detail}")


class Repository:
    """The restic repository of one tenant under one target."""

    def __init__(self, target: Target, slug: str, password: str, restic: str = "restic",
                 cache_dir: str = ""):
        self.target = target
        self.slug = slug
        self.describe = target.describe(slug)
        self._password = password
        self._restic = restic
        self._cache_dir = cache_dir

    def __repr__(self) -> str:  # never the password
        return f"<Repository {self.describe}>"

    # Running restic -----------------------------------------------------------------
    def environment(self) -> dict[str, str]:
        env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR", "SSH_AUTH_SOCK")
               if key in os.environ}
        env.update(self.target.environment())
        env.update({"RESTIC_REPOSITORY": self.target.repository(self.slug),
                    "RESTIC_PASSWORD": self._password, "TZ": "UTC",
                    "RESTIC_PROGRESS_FPS": "0.2"})
        if self._cache_dir:
            env["RESTIC_CACHE_DIR"] = self._cache_dir
        return env

    def argv(self, *args: str) -> list[str]:
        cache = [] if self._cache_dir else ["--no-cache"]
        return [self._restic, *cache, *self.target.options(), *args]

    def popen(self, *args: str, stdin=None, stdout=subprocess.PIPE) -> subprocess.Popen:
        # stderr to a temporary file, never a pipe nobody reads while a stream flows.
        errors = tempfile.TemporaryFile()
        try:
            # An argument list, no shell; the password is in the environment only.
            process = subprocess.Popen(self.argv(*args), stdin=stdin,  # noqa: S603
                                       stdout=stdout, stderr=errors, env=self.environment())
        except FileNotFoundError:
            errors.close()
            raise BackupError("restic_missing", f"restic is not installed ({self._restic} not "
                                                f"found): install it (apt install restic) or "
                                                f"set praxcloud.plugin.backup.restic") from None
        process.error_file = errors
        return process

    def run(self, *args: str, action: str | None = None, input: bytes | None = None) -> str:
        process = self.popen(*args, stdin=subprocess.PIPE if input is not None else None)
        out, _ = process.communicate(input)
        if process.returncode != 0:
            raise self.failed(process, action or args[0])
        return out.decode()

    def failed(self, process: subprocess.Popen, action: str) -> BackupError:
        return classify(error_text(process), self.describe, action)

    # Operations ---------------------------------------------------------------------
    def exists(self) -> bool:
        self.target.check_reachable()
        known = getattr(self.target, "exists", lambda slug: None)(self.slug)
        if known is not None:
            return known
        try:
            self.run("cat", "config", action="open")
        except BackupError as exc:
            if exc.code == "no_repository":
                return False
            raise
        return True

    def init(self) -> None:
        if not self.exists():
            self.run("init", action="init")

    def snapshots(self) -> list[dict]:
        """The tenant's snapshots, oldest first, as restic lists them (``time`` parsed)."""
        found = json.loads(self.run("snapshots", "--json", "--tag", f"tenant:{self.slug}",
                                    action="snapshots") or "[]") or []
        for snapshot in found:
            snapshot["tags"] = snapshot.get("tags") or []
            snapshot["at"] = parse_time(snapshot["time"])
        return sorted(found, key=lambda snapshot: snapshot["at"])

    def backup_stdin(self, filename: str, tags: Iterable[str], at: dt.datetime,
                     stdin) -> subprocess.Popen:
        """Start ``restic backup --stdin``; the caller writes the stream to its stdin.

        Its JSON messages go to a temporary file (``output()`` reads them), so
        that status lines never fill a pipe while the stream is being written.
        """
        output = tempfile.TemporaryFile()
        process = self.popen("backup", "--stdin", "--stdin-filename", filename, "--host",
                             "praxcloud", "--json", "--quiet", "--time",
                             at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
                             *[arg for tag in tags for arg in ("--tag", tag)], stdin=stdin,
                             stdout=output)
        process.output_file = output
        return process

    @staticmethod
    def output(process: subprocess.Popen) -> str:
        process.output_file.seek(0)
        return process.output_file.read().decode(errors="replace")

    def dump(self, snapshot_id: str, filename: str) -> subprocess.Popen:
        """Start ``restic dump``: the file's bytes on stdout, each blob checked as it is read."""
        return self.popen("dump", "--quiet", snapshot_id, "/" + filename)

    def add_tags(self, snapshot_id: str, tags: Iterable[str]) -> None:
        args = [arg for tag in tags for arg in ("--add", tag)]
        self.run("tag", *args, snapshot_id, action="tag")

    def check(self) -> None:
        """The repository's structure (indexes, trees, packs listed) is whole."""
        self.run("check", action="check")

    def forget(self, snapshot_ids: list[str]) -> None:
        if snapshot_ids:
            self.run("forget", "--prune", *snapshot_ids, action="forget")

    def unlock(self) -> None:
        """Remove stale locks a killed run left behind (restic keeps live ones)."""
        self.run("unlock", action="unlock")


def parse_time(text: str) -> dt.datetime:
    """restic's RFC 3339 time (nanoseconds, any offset) as an aware UTC datetime."""
    head, _, rest = text.partition(".")
    zone = ""
    if rest:
        digits = rest.rstrip("Z").split("+")[0].split("-")[0]
        zone = rest[len(digits):]
        fraction = "." + digits[:6]
    else:
        fraction = ""
        for sign in ("Z", "+", "-"):
            index = head.rfind(sign)
            if index > 10:
                head, zone = head[:index], head[index:]
                break
    zone = "+00:00" if zone in ("", "Z") else zone
    return dt.datetime.fromisoformat(head + fraction + zone).astimezone(dt.UTC)
