"""AES-256-GCM for one stored field, bound to its tenant, table, column and row.

Stored form: ``pxf1:`` then base64 of a format byte (1), the data key's
version (4 bytes), a random 96-bit nonce and the ciphertext with its tag.
Decoding is a handful of C calls per value (a page of 50 records decrypts
150 values): no base64 wrapper, no struct, the cipher looked up in a dict.

The associated data names the tenant (the platform id its data keys
give as ``origin_id``: its own, or for a copy restored from another
tenant's backup, that tenant's), the table, the column and the row id, so a
value copied to another row, column or tenant does not open. Each column
encrypts under its own subkey (HKDF of the data key, per column), and one
AESGCM object per (key version, column) is kept for the life of the codec:
nothing is derived or built per value.

Encryptions are counted against the data key in reserved blocks (one write
to the platform database per ``RESERVE_BLOCK`` encryptions per column and
process, which can only overcount): past ``hard_limit`` the codec refuses to
encrypt, and the daily check rotates the key long before that.

A value without the prefix is plain text stored before the plugin was
enabled for that field, and reads as it is.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import logging
import math
import os
import re
import struct
import threading
import unicodedata

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from praxcloud.plugin import SealedValueError

log = logging.getLogger(__name__)

PREFIX = "pxf1:"
_SKIP = len(PREFIX)
FORMAT = 1
_HEADER = struct.Struct(">BI")
NONCE_BYTES = 12
_BODY = _HEADER.size + NONCE_BYTES
_SHORTEST = _BODY + 16  # an empty value's tag
RESERVE_BLOCK = 1024
# NIST SP 800-38D: at most 2^32 invocations of GCM with random 96-bit nonces per key.
NIST_LIMIT = 2**32


_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """Normalised words: NFKD, combining marks dropped, case folded ("Ö'Brien" -> o, brien)."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return _WORD.findall(plain)


def _truncated(key: bytes, value: str, bits: int) -> str:
    digest = hmac.new(key, value.encode("utf-8"), hashlib.sha256).digest()
    truncated = int.from_bytes(digest[:8], "big") >> (64 - bits)
    return f"{truncated:0{(bits + 3) // 4}x}"


def subkey(data_key: bytes, table: str, column: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=f"praxcloud/field_encryption/v1/{table}.{column}".encode()).derive(data_key)


def index_bits(population: int, per_value: int = 2) -> int:
    """Bits of a blind index so that about ``per_value`` of ``population`` values share each.

    CipherSweet's sizing: with 2^bits index values for N rows, a lookup
    finds N / 2^bits candidates; at least two keeps every index value
    ambiguous, while a handful keeps lookups cheap. At least 8 bits, at most 64.
    """
    return max(8, min(64, math.floor(math.log2(max(population, 2) / per_value))))


class FieldCipher:
    """The codec of one field of one tenant (``praxcloud_field_codec``)."""

    binds_row = True

    def __init__(self, tenant_id: int, table: str, column: str, data_keys,
                 index_key: bytes | None = None, bits: int = 64,
                 hard_limit: int = NIST_LIMIT // 2, word_key: bytes | None = None,
                 word_bits: int = 64):
        self.table, self.column = table, column
        self._aad_prefix = f"praxcloud/field/v1|{tenant_id}|{table}|{column}|".encode()
        self._data_keys = data_keys
        self._ciphers: dict[int, AESGCM] = {}
        # The same ciphers by a stored value's header bytes, for decoding.
        self._by_header: dict[bytes, AESGCM] = {}
        self._index_key = index_key
        self._bits = bits
        self._word_key = word_key
        self._word_bits = word_bits
        if word_key is not None:
            # Only a field searched by word has them: the core looks for the method.
            self.search_tokens = self._search_tokens
        self._hard_limit = hard_limit
        self._lock = threading.Lock()
        self._budget = 0
        self._budget_version: int | None = None

    # Encoding --------------------------------------------------------------
    def encode(self, value: str, row: int | None) -> str:
        version = self._data_keys.active_version()
        self._count(version)
        nonce = os.urandom(NONCE_BYTES)
        body = self._cipher(version).encrypt(nonce, value.encode("utf-8"), self._aad(row))
        return PREFIX + binascii.b2a_base64(
            _HEADER.pack(FORMAT, version) + nonce + body, newline=False).decode("ascii")

    def decode(self, stored: str, row: int | None) -> str:
        # The hot path of a records page (300 values): the cipher found by the
        # value's five header bytes (format and key version) in one dict
        # lookup; anything unusual goes the slow way, through ``_opening``.
        if not stored.startswith(PREFIX):
            return stored
        try:
            raw = binascii.a2b_base64(stored[_SKIP:])
        except binascii.Error:
            raw = b""
        cipher = self._by_header.get(raw[:_HEADER.size])
        if cipher is None or len(raw) < _SHORTEST:
            cipher = self._opening(raw)
        try:
            return cipher.decrypt(raw[_HEADER.size:_BODY], raw[_BODY:],
                                  self._aad_prefix + (b"-" if row is None else b"%d" % row)
                                  ).decode("utf-8")
        except InvalidTag:
            raise SealedValueError(
                f"{self.table}.{self.column} of row {row} does not open: tampered, or "
                "copied from another row, column or tenant") from None

    def decode_many(self, values, rows) -> list:
        """A page's column at once (None stays None): ``decode`` without a call per value.

        Anything but a well-formed value under a known key (plain text, a
        key version not seen yet, a value that does not open) sends the
        whole column through ``decode``, which reads it or names the problem.
        """
        a2b, get, prefix = binascii.a2b_base64, self._by_header.get, self._aad_prefix
        opened = []
        append = opened.append
        try:
            for stored, row in zip(values, rows, strict=True):
                if stored is None:
                    append(None)
                    continue
                raw = a2b(stored[_SKIP:])
                cipher = get(raw[:_HEADER.size])
                if cipher is None or len(raw) < _SHORTEST or not stored.startswith(PREFIX):
                    break
                append(cipher.decrypt(raw[_HEADER.size:_BODY], raw[_BODY:],
                                      prefix + (b"-" if row is None else b"%d" % row)
                                      ).decode("utf-8"))
            else:
                return opened
        except (binascii.Error, InvalidTag, TypeError, ValueError):
            pass
        decode = self.decode
        return [stored if stored is None else decode(stored, row)
                for stored, row in zip(values, rows, strict=True)]

    def key_version(self, stored: str | None) -> int | None:
        """The data key version ``stored`` is encrypted under; None for plain text."""
        if stored is None or not stored.startswith(PREFIX):
            return None
        return self._parse(stored)[0]

    def blind_index(self, value: str) -> str:
        """HMAC-SHA256 of the value, truncated to the index's bits, in hex."""
        if self._index_key is None:
            raise SealedValueError(f"{self.table}.{self.column} has no blind index")
        return _truncated(self._index_key, value, self._bits)

    def _search_tokens(self, value: str) -> list[str]:
        """The blind index of each normalised word (accents off, case folded), truncated.

        Whole words: "anna" finds "Anna de Vries", "ann" does not. Each word's
        index is shared by a few other words (the truncation), so a search may
        find a record whose name only shares a word's index.
        """
        return [_truncated(self._word_key, word, self._word_bits) for word in words(value)]

    # Internals -------------------------------------------------------------
    def _aad(self, row: int | None) -> bytes:
        return self._aad_prefix + (b"-" if row is None else b"%d" % row)

    def _cipher(self, version: int) -> AESGCM:
        cipher = self._ciphers.get(version)
        if cipher is None:
            cipher = AESGCM(subkey(self._data_keys.key(version), self.table, self.column))
            self._ciphers[version] = cipher
            self._by_header[_HEADER.pack(FORMAT, version)] = cipher
        return cipher

    def _opening(self, raw: bytes) -> AESGCM:
        """The cipher for a stored value whose header is not known yet, or SealedValueError."""
        if len(raw) < _SHORTEST or raw[0] != FORMAT:
            raise SealedValueError(f"{self.table}.{self.column}: not a stored value")
        return self._cipher(int.from_bytes(raw[1:_HEADER.size], "big"))

    def _parse(self, stored: str) -> tuple[int, bytes, bytes]:
        try:
            raw = binascii.a2b_base64(stored[_SKIP:])
            form, version = _HEADER.unpack_from(raw)
        except (binascii.Error, struct.error):
            raise SealedValueError(f"{self.table}.{self.column}: not a stored value") from None
        if form != FORMAT or len(raw) < _SHORTEST:
            raise SealedValueError(f"{self.table}.{self.column}: unknown stored format")
        return version, raw[_HEADER.size:_BODY], raw[_BODY:]

    def _count(self, version: int) -> None:
        with self._lock:
            if self._budget_version != version or self._budget <= 0:
                total = self._data_keys.reserve(version, RESERVE_BLOCK)
                if total > self._hard_limit:
                    log.error("field_encryption: data key %d has made %d encryptions, past "
                              "its limit %d: refusing to encrypt until it is rotated",
                              version, total, self._hard_limit)
                    raise SealedValueError("the data key has reached its encryption limit")
                self._budget, self._budget_version = RESERVE_BLOCK, version
            self._budget -= 1
