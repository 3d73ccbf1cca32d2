"""A local copy of Have I Been Pwned's "Pwned Passwords", searched in place.

The operator downloads the SHA-1 file ordered by hash (lines
``SHA1HEX:COUNT``, CRLF or LF, about 40 GB; e.g. with ``hibp-downloader``)
and names it in the ini file. It is never loaded: a lookup binary-searches
byte offsets with ``seek``, reading one line per step until at most
:attr:`PwnedFile.window` bytes are left, then reads those lines in order.
For 40 GB that is about 23 steps, each served by the page cache once the
file's upper levels are warm: about 60 µs a lookup on a 94 MB test file.

The file is opened for each lookup rather than kept open: a handle shared
by waitress's threads would need a lock around every seek-and-read, one
kept across a fork would share its file position with the child, and an
operator who replaces the file (a new download renamed into place) is
seen by the next lookup without a restart. An open is a few microseconds,
beside an Argon2id hash of tens of milliseconds.

Errors reading the file propagate: the caller refuses the password it
could not check (fail closed). Only the SHA-1 file is supported, not the
NTLM one.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

# A line of the file: 40 hex digits (HIBP writes upper case; lower case is
# accepted), a colon and how many times the password was seen.
_LINE = re.compile(rb"[0-9A-Fa-f]{40}:\d+\r?\n?")
HASH_LENGTH = 40
# Longer than any line of the format (the counts have at most 10 digits or so).
MAX_LINE = 256


class PwnedFile:
    """The Pwned Passwords SHA-1 file at ``path``, checked to look like one."""

    # Below this many bytes between the bounds, lines are read in order.
    window = 4096

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if not self.path.exists():
            raise ValueError(f"{self.path}: no such file (the Pwned Passwords SHA-1 file)")
        if not self.path.is_file():
            raise ValueError(f"{self.path}: not a regular file (the Pwned Passwords SHA-1 file)")
        try:
            with self.path.open("rb") as file:
                first = file.readline(MAX_LINE)
                # A line cut short by the limit is no line of this format.
                whole = first.endswith(b"\n") or not file.read(1)
        except OSError as exc:
            raise ValueError(f"{self.path}: cannot be read: {exc.strerror or exc}") from exc
        if not (whole and _LINE.fullmatch(first)):
            raise ValueError(
                f"{self.path}: not a Pwned Passwords SHA-1 file: its first line should be "
                "40 hexadecimal digits, a colon and a count (SHA1HEX:COUNT), in hash order")

    def count(self, password: str) -> int:
        """How many times ``password`` (NFKC) was seen in breaches; 0 if never."""
        # HIBP hashes the UTF-8 bytes; this SHA-1 is its file's key, not a protection.
        target = hashlib.sha1(password.encode("utf-8"), usedforsecurity=False)
        return self._count_hash(target.hexdigest().upper().encode("ascii"))

    def _count_hash(self, target: bytes) -> int:
        with self.path.open("rb") as file:
            start = self._scan_start(file, target)
            file.seek(start)
            for line in file:
                key = line[:HASH_LENGTH].upper()
                if key == target:
                    # int() ignores the CR and LF around the digits; a line
                    # with no count raises ValueError, and the caller fails closed.
                    return int(line[HASH_LENGTH + 1:])
                if key > target:
                    return 0
        return 0

    def _scan_start(self, file, target: bytes) -> int:
        """A line start at most about :attr:`window` bytes before ``target``'s line.

        Kept true throughout: ``low`` is a line start and every line before
        it sorts below ``target``; ``high`` is a line start (or the end)
        and no line from it on sorts below ``target``.
        """
        low, high = 0, os.fstat(file.fileno()).st_size
        while high - low > self.window:
            file.seek((low + high) // 2)
            file.readline()  # the rest of the line the middle fell in
            line_start = file.tell()
            if line_start >= high:
                # One line spans the whole upper half: nothing left to halve.
                break
            line = file.readline()
            if line[:HASH_LENGTH].upper() < target:
                low = line_start + len(line)
            else:
                high = line_start
        return low
