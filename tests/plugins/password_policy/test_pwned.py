"""The local Pwned Passwords file: binary search by byte offset, on small files made here."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest

from plugins.password_policy.pwned import PwnedFile

# Passwords with counts, as HIBP would list them.
KNOWN = {"password": 52_256_179, "Tr0ub4dor&3": 17, "pässwörd": 4, "correct horse": 2}
# Filler lines stay between these, so passwords hashing outside them are absent from both ends.
LOWEST, HIGHEST = b"08", b"F8"


def sha1(password: str) -> bytes:
    digest = hashlib.sha1(password.encode("utf-8"), usedforsecurity=False)
    return digest.hexdigest().upper().encode()


def passwords_hashing(predicate, prefix: str, count: int) -> list[str]:
    found, index = [], 0
    while len(found) < count:
        candidate = f"{prefix}-{index}"
        if predicate(sha1(candidate)):
            found.append(candidate)
        index += 1
    return found


FILLER = {password: index % 997 + 1 for index, password in enumerate(
    passwords_hashing(lambda digest: LOWEST <= digest[:2] < HIGHEST, "filler", 3000))}
LISTED = {**FILLER, **KNOWN}
ORDERED = sorted(LISTED, key=sha1)
FIRST, LAST = ORDERED[0], ORDERED[-1]
BELOW_FIRST = passwords_hashing(lambda digest: digest < sha1(FIRST), "below", 3)
ABOVE_LAST = passwords_hashing(lambda digest: digest > sha1(LAST), "above", 3)
ABSENT = passwords_hashing(lambda digest: True, "absent", 300) + BELOW_FIRST + ABOVE_LAST


def write(path, listed: dict[str, int], newline=b"\n", lower=False, final_newline=True):
    lines = []
    for password in sorted(listed, key=sha1):
        digest = sha1(password).lower() if lower else sha1(password)
        lines.append(digest + b":" + str(listed[password]).encode())
    path.write_bytes(newline.join(lines) + (newline if final_newline else b""))
    return path


def test_the_filler_does_not_hide_the_ends():
    # The known passwords may hash anywhere; the file's ends must still be listed passwords.
    assert sha1(BELOW_FIRST[0]) < sha1(FIRST) and sha1(ABOVE_LAST[0]) > sha1(LAST)
    assert not set(ABSENT) & set(LISTED)


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"], ids=["LF", "CRLF"])
@pytest.mark.parametrize("lower", [False, True], ids=["upper", "lower"])
@pytest.mark.parametrize("final_newline", [True, False], ids=["ended", "unended"])
@pytest.mark.parametrize("window", [4096, 100, 1])
def test_every_listed_password_has_its_count_and_others_none(
        tmp_path, newline, lower, final_newline, window):
    pwned = PwnedFile(write(tmp_path / "pwned.txt", LISTED, newline, lower, final_newline))
    pwned.window = window
    assert os.path.getsize(pwned.path) > 20 * window  # the search halves before it reads in order
    for password, count in LISTED.items():
        assert pwned.count(password) == count, password
    for password in ABSENT:
        assert pwned.count(password) == 0, password


def test_the_first_and_last_lines_are_found(tmp_path):
    pwned = PwnedFile(write(tmp_path / "pwned.txt", LISTED, b"\r\n"))
    lines = pwned.path.read_bytes().split(b"\r\n")
    assert lines[0].startswith(sha1(FIRST)) and lines[-2].startswith(sha1(LAST))
    assert pwned.count(FIRST) == LISTED[FIRST]
    assert pwned.count(LAST) == LISTED[LAST]


def test_the_password_is_hashed_as_utf8_in_upper_case_hex(tmp_path):
    digest = hashlib.sha1("pässwörd".encode(), usedforsecurity=False).hexdigest()
    (tmp_path / "pwned.txt").write_bytes(digest.upper().encode() + b":4\n")
    assert PwnedFile(tmp_path / "pwned.txt").count("pässwörd") == 4
    # Another normalisation is another password: the caller passes NFKC.
    assert PwnedFile(tmp_path / "pwned.txt").count("pa\u0308sswo\u0308rd") == 0


@pytest.mark.parametrize("final_newline", [True, False])
def test_a_file_of_one_line(tmp_path, final_newline):
    pwned = PwnedFile(write(tmp_path / "one.txt", {"password": 3}, b"\r\n",
                            final_newline=final_newline))
    assert pwned.count("password") == 3
    for password in ABSENT[:50]:
        assert pwned.count(password) == 0


@pytest.mark.parametrize("content", [
    b"",
    b"\n",
    b"hello\n",
    b"password:12\n",
    sha1("password")[:32] + b":12\n",  # the NTLM file's 32 digits
    sha1("password") + b"\n",  # no count
    sha1("password") + b":\n",
    sha1("password") + b":12:3\n",
    b" " + sha1("password") + b":12\n",
    sha1("password")[:-1] + b"G:12\n",
    sha1("password") + b":" + b"1" * 300 + b"\n",  # a first line longer than any real one
])
def test_a_file_that_does_not_look_like_the_format_is_refused(tmp_path, content):
    (tmp_path / "pwned.txt").write_bytes(content)
    with pytest.raises(ValueError, match="not a Pwned Passwords SHA-1 file"):
        PwnedFile(tmp_path / "pwned.txt")


def test_a_missing_file_or_a_directory_is_refused(tmp_path):
    with pytest.raises(ValueError, match="no such file"):
        PwnedFile(tmp_path / "absent.txt")
    with pytest.raises(ValueError, match="not a regular file"):
        PwnedFile(tmp_path)


def test_an_unreadable_file_is_refused(tmp_path, monkeypatch):
    path = write(tmp_path / "pwned.txt", KNOWN)

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    # chmod 0 would not stop root, who may run this suite.
    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(ValueError, match="cannot be read: Permission denied"):
        PwnedFile(path)


def test_a_broken_line_where_the_password_is_fails_rather_than_answering(tmp_path):
    path = write(tmp_path / "pwned.txt", LISTED)
    broken = sha1("Tr0ub4dor&3") + b":17\n"
    path.write_bytes(path.read_bytes().replace(broken, sha1("Tr0ub4dor&3") + b":\n"))
    pwned = PwnedFile(path)
    with pytest.raises(ValueError):
        pwned.count("Tr0ub4dor&3")
    assert pwned.count("password") == KNOWN["password"]


def test_errors_reading_the_file_propagate(tmp_path):
    pwned = PwnedFile(write(tmp_path / "pwned.txt", KNOWN))
    pwned.path.unlink()
    with pytest.raises(FileNotFoundError):
        pwned.count("password")


def test_a_file_replaced_in_place_is_read_at_the_next_lookup(tmp_path):
    pwned = PwnedFile(write(tmp_path / "pwned.txt", {"password": 1}))
    assert pwned.count("password") == 1
    os.replace(write(tmp_path / "new.txt", {"password": 2}), pwned.path)
    assert pwned.count("password") == 2


def test_threads_looking_up_at_once_each_get_their_answer(tmp_path):
    pwned = PwnedFile(write(tmp_path / "pwned.txt", LISTED, b"\r\n"))
    start = threading.Barrier(8)
    wrong = []

    def lookups(offset):
        start.wait()
        for password in ORDERED[offset::8] + ABSENT[offset::8]:
            if pwned.count(password) != LISTED.get(password, 0):
                wrong.append(password)

    threads = [threading.Thread(target=lookups, args=(offset,)) for offset in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
