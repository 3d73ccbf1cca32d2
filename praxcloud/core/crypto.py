"""Key material: the platform master key and per-tenant keys.

The master key (32 random bytes) comes from the environment or a key file;
it never lives in an ini file. It wraps each tenant's own key, and the
tenant key encrypts that tenant's secrets (database credentials, and what
plugins ask for through :meth:`KeyRing.derive_tenant_key`). Deleting a
tenant deletes its wrapped key, which makes whatever was encrypted under it
unreadable for good (crypto-shredding), backups included. It also wraps the
tenants' data keys (:mod:`.data_keys`) and the platform's own keys
(:mod:`.platform_keys`); nothing is sealed or derived under it directly, so
after ``praxcloud keys rotate-master`` the previous master key can go.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .settings import settings_of

KEY_BYTES = 32
NONCE_BYTES = 12
# A version byte in front of every sealed value, so the format can change
# later without guessing.
FORMAT_V1 = b"\x01"
# What the master key wraps (tenant keys, data keys): the version byte, then
# the length and id of the master key that wrapped it, then as FORMAT_V1. A
# value in FORMAT_V1 was wrapped by master key "1", the id before there were ids.
WRAPPED_V2 = b"\x02"
FIRST_MASTER_KEY_ID = "1"
# What platform secrets were sealed under before the platform had keys of its own.
LEGACY_PLATFORM_PURPOSE = "praxcloud/platform-secrets/v1"


class KeyError_(Exception):
    """Key material is missing, malformed or does not open a value."""


def generate_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def encode_key(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode("ascii")


def decode_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise KeyError_("the master key is not valid base64") from exc
    if len(key) != KEY_BYTES:
        raise KeyError_(f"the master key must be {KEY_BYTES} bytes, got {len(key)}")
    return key


def seal(key: bytes, plaintext: bytes, context: bytes) -> bytes:
    """AES-256-GCM encrypt; ``context`` is bound as associated data."""
    nonce = os.urandom(NONCE_BYTES)
    return FORMAT_V1 + nonce + AESGCM(key).encrypt(nonce, plaintext, context)


def unseal(key: bytes, sealed: bytes, context: bytes) -> bytes:
    if not sealed or sealed[:1] != FORMAT_V1:
        raise KeyError_("unknown sealed-value format")
    nonce, body = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, body, context)
    except InvalidTag as exc:
        raise KeyError_("sealed value does not open with this key and context") from exc


def parse_master_keys(text: str | None) -> dict[str, bytes]:
    """``"ID:BASE64 ID:BASE64"`` (spaces, commas or new lines between) -> {id: key}."""
    keys: dict[str, bytes] = {}
    for item in (text or "").replace(",", " ").split():
        key_id, sep, encoded = item.partition(":")
        if not sep or not key_id or len(key_id) > 40:
            raise KeyError_("previous master keys are written ID:BASE64")
        keys[key_id] = decode_key(encoded)
    return keys


class MasterKeys:
    """The master key versions a process knows: the current one wraps, each opens its own.

    The interface a key-management service would stand behind: ``wrap``,
    ``unwrap`` and ``current_id``; the raw keys never leave this object.
    """

    def __init__(self, current: bytes, current_id: str = FIRST_MASTER_KEY_ID,
                 previous: dict[str, bytes] | None = None):
        if not current_id or len(current_id) > 40:
            raise KeyError_("a master key id is 1 to 40 characters")
        self.current_id = current_id
        self._wrapping = {key_id: hkdf(key, "praxcloud/tenant-key-wrapping/v1")
                          for key_id, key in {**(previous or {}), current_id: current}.items()}

    def wrap(self, plaintext: bytes, context: bytes) -> bytes:
        key_id = self.current_id.encode("utf-8")
        return (WRAPPED_V2 + bytes([len(key_id)]) + key_id
                + seal(self._wrapping[self.current_id], plaintext, context))

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes:
        key_id, sealed = self._split(wrapped)
        key = self._wrapping.get(key_id)
        if key is None:
            raise KeyError_(f"wrapped by master key {key_id!r}, which this process lacks")
        return unseal(key, sealed, context)

    def key_id_of(self, wrapped: bytes) -> str:
        return self._split(wrapped)[0]

    @staticmethod
    def _split(wrapped: bytes) -> tuple[str, bytes]:
        if wrapped[:1] == FORMAT_V1:
            return FIRST_MASTER_KEY_ID, wrapped
        if wrapped[:1] != WRAPPED_V2 or len(wrapped) < 2:
            raise KeyError_("unknown wrapped-key format")
        end = 2 + wrapped[1]
        return wrapped[2:end].decode("utf-8", "replace"), wrapped[end:]


def hkdf(key: bytes, purpose: str, length: int = KEY_BYTES) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=length, salt=None, info=purpose.encode("utf-8")
    ).derive(key)


class KeyRing:
    """Holds the master key for one process and opens tenant keys with it."""

    def __init__(self, master_key: bytes, key_id: str = FIRST_MASTER_KEY_ID,
                 previous: dict[str, bytes] | None = None):
        self.master = MasterKeys(master_key, key_id, previous)
        # Before platform keys existed (platform migration 0007), platform secrets were
        # sealed under a key derived from the master key itself; the migration needs
        # those keys once, to seal the secrets again under the platform's own key.
        self._legacy_platform_keys = [
            hkdf(key, LEGACY_PLATFORM_PURPOSE)
            for key in (master_key, *(previous or {}).values())]

    @classmethod
    def from_settings(cls, settings) -> KeyRing:
        text = settings_of(settings).master_key
        key_file = settings_of(settings).master_key_file
        if not text and key_file:
            path = Path(key_file)
            if not path.exists():
                if not settings_of(settings).create_master_key:
                    raise KeyError_(f"master key file {path} does not exist")
                path.parent.mkdir(parents=True, exist_ok=True)
                # Written once, readable by its owner only.
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as handle:
                    handle.write(encode_key(generate_key()) + "\n")
            text = path.read_text()
        if not text:
            raise KeyError_(
                "no master key: set PRAXCLOUD_MASTER_KEY or praxcloud.master_key_file"
            )
        parsed = settings_of(settings)
        return cls(decode_key(text), parsed.master_key_id,
                   parse_master_keys(parsed.previous_master_keys))

    # Tenant keys ---------------------------------------------------------
    def new_wrapped_tenant_key(self, slug: str) -> bytes:
        return self.master.wrap(generate_key(), b"tenant-key:" + slug.encode())

    def open_tenant_key(self, slug: str, wrapped: bytes) -> bytes:
        return self.master.unwrap(wrapped, b"tenant-key:" + slug.encode())

    def rewrap_tenant_key(self, slug: str, wrapped: bytes) -> bytes:
        """``wrapped`` wrapped again by the current master key (the tenant key unchanged)."""
        context = b"tenant-key:" + slug.encode()
        return self.master.wrap(self.master.unwrap(wrapped, context), context)

    def is_current(self, wrapped: bytes) -> bool:
        """Was ``wrapped`` wrapped by the current master key?"""
        return self.master.key_id_of(wrapped) == self.master.current_id

    # Data keys (praxcloud.core.data_keys) ------------------------------------
    def wrap_data_key(self, key: bytes, context: str) -> bytes:
        return self.master.wrap(key, context.encode("utf-8"))

    def open_data_key(self, wrapped: bytes, context: str) -> bytes:
        return self.master.unwrap(wrapped, context.encode("utf-8"))

    @staticmethod
    def derive_tenant_key(tenant_key: bytes, purpose: str) -> bytes:
        """A key for one purpose (``"db-credentials"``, ``"mfa_totp/secrets"``)."""
        return hkdf(tenant_key, "praxcloud/tenant/" + purpose)

    # Platform keys (praxcloud.core.platform_keys) ---------------------------
    def wrap_platform_key(self, key: bytes, context: str) -> bytes:
        return self.master.wrap(key, context.encode("utf-8"))

    def open_platform_key(self, wrapped: bytes, context: str) -> bytes:
        return self.master.unwrap(wrapped, context.encode("utf-8"))

    def legacy_platform_keys(self) -> list[bytes]:
        """The keys platform secrets were sealed under before platform migration 0007:
        one per master key this process knows, the current one first. For that
        migration only; nothing is sealed under them any more."""
        return list(self._legacy_platform_keys)
