"""Key material: the platform master key and per-tenant keys.

The master key (32 random bytes) comes from the environment or a key file;
it never lives in an ini file. It wraps each tenant's own key, and the
tenant key encrypts that tenant's secrets (database credentials, and what
plugins ask for through :meth:`KeyRing.derive_tenant_key`). Deleting a
tenant deletes its wrapped key, which makes whatever was encrypted under it
unreadable for good (crypto-shredding), backups included.
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


def hkdf(key: bytes, purpose: str, length: int = KEY_BYTES) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=length, salt=None, info=purpose.encode("utf-8")
    ).derive(key)


class KeyRing:
    """Holds the master key for one process and opens tenant keys with it."""

    def __init__(self, master_key: bytes):
        self._wrapping_key = hkdf(master_key, "praxcloud/tenant-key-wrapping/v1")
        self._platform_secret_key = hkdf(master_key, "praxcloud/platform-secrets/v1")

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
        return cls(decode_key(text))

    # Tenant keys ---------------------------------------------------------
    def new_wrapped_tenant_key(self, slug: str) -> bytes:
        return seal(self._wrapping_key, generate_key(), b"tenant-key:" + slug.encode())

    def open_tenant_key(self, slug: str, wrapped: bytes) -> bytes:
        return unseal(self._wrapping_key, wrapped, b"tenant-key:" + slug.encode())

    @staticmethod
    def derive_tenant_key(tenant_key: bytes, purpose: str) -> bytes:
        """A key for one purpose (``"db-credentials"``, ``"mfa_totp/secrets"``)."""
        return hkdf(tenant_key, "praxcloud/tenant/" + purpose)

    # Platform secrets (not tenant-bound) ----------------------------------
    def seal_platform(self, plaintext: bytes, context: str) -> bytes:
        return seal(self._platform_secret_key, plaintext, context.encode())

    def unseal_platform(self, sealed: bytes, context: str) -> bytes:
        return unseal(self._platform_secret_key, sealed, context.encode())

    def derive_platform_key(self, purpose: str) -> bytes:
        """A platform key for one purpose (``"operator-webauthn/user-handle"``)."""
        return hkdf(self._platform_secret_key, "praxcloud/platform/" + purpose)
