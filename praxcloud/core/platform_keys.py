"""The platform's own keys: random 256-bit keys per purpose, versioned, wrapped by the master key.

What the platform seals for itself (operators' TOTP secrets) is sealed
under the ``secrets`` key, and what it derives stable values from (the
user handle an operator's passkeys are registered under) comes from a
``derive/PURPOSE`` key; the master key (KEK) only wraps them, in the
platform database (``platform_keys``). Rotating the master key therefore
wraps these keys again (:func:`rewrap_all`) and changes nothing sealed or
derived under them: once the previous master key is gone from the settings,
every operator's factors still work.

A sealed value names the version of the key that sealed it, so the
``secrets`` key can get a new version later and older values still open.
A ``derive/...`` key has one version and never changes: what is derived
from it (a passkey's user handle) must stay the same for good.

Keys are made by platform migration 0007 (which also seals again what had
been sealed under the master key before) or, failing that, on first use
by whichever process asks first (the unique (purpose, version) settles a race).
"""

from __future__ import annotations

import logging
import struct
import threading

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .crypto import KeyError_, generate_key, seal, unseal
from .models import DATA_KEY_ACTIVE, DATA_KEY_RETIRED, PlatformKey

log = logging.getLogger(__name__)

SECRETS = "secrets"
DERIVE_PREFIX = "derive/"
# The first byte of a value sealed under a platform key, then its version (4 bytes,
# big-endian), then crypto.seal's output. The values sealed under the master key's
# derivation before (crypto.FORMAT_V1, b"\x01") are told apart by it.
SEALED_V2 = b"\x02"
_VERSION = struct.Struct(">I")


class PlatformKeyError(KeyError_):
    """No such platform key, or a sealed value that is not a platform key's."""


def key_context(purpose: str, version: int) -> str:
    """What a platform key's wrapping is bound to: a wrapped key moved to another row fails."""
    return f"platform-key:{purpose}:{version}"


def seal_with(key: bytes, version: int, plaintext: bytes, context: str) -> bytes:
    """``plaintext`` sealed under version ``version`` of the secrets key, ``context`` bound."""
    return (SEALED_V2 + _VERSION.pack(version)
            + seal(key, plaintext, _aad(context, version)))


def sealed_version(sealed: bytes) -> int:
    """The version of the secrets key ``sealed`` needs."""
    if not sealed or sealed[:1] != SEALED_V2 or len(sealed) < 1 + _VERSION.size:
        raise PlatformKeyError("not sealed under a platform key (run `praxcloud db upgrade`?)")
    return _VERSION.unpack_from(sealed, 1)[0]


def unseal_with(key: bytes, sealed: bytes, context: str) -> bytes:
    version = sealed_version(sealed)
    return unseal(key, sealed[1 + _VERSION.size:], _aad(context, version))


def _aad(context: str, version: int) -> bytes:
    # The version is bound too: a value whose version byte is changed does not open.
    return f"{context}|v{version}".encode()


class PlatformKeys:
    """The platform keys of one process: opened once, kept; the registry's ``platform_keys``."""

    def __init__(self, tenancy):
        self._tenancy = tenancy
        self._rows: dict[tuple[str, int], tuple[str, bytes | None]] | None = None
        self._opened: dict[tuple[str, int], bytes] = {}
        self._lock = threading.Lock()

    # What callers use -------------------------------------------------------
    def seal(self, plaintext: bytes, context: str) -> bytes:
        """``plaintext`` sealed under the active secrets key, ``context`` bound to it."""
        version = self._active_version(SECRETS)
        return seal_with(self._key(SECRETS, version), version, plaintext, context)

    def unseal(self, sealed: bytes, context: str) -> bytes:
        """Raises :class:`~.crypto.KeyError_` when ``sealed`` does not open (fails closed)."""
        return unseal_with(self._key(SECRETS, sealed_version(sealed)), sealed, context)

    def derive(self, purpose: str) -> bytes:
        """A key for ``purpose`` that never changes, master key rotations included."""
        name = DERIVE_PREFIX + purpose
        return self._key(name, self._active_version(name))

    # Rows and keys ------------------------------------------------------------
    def _load(self) -> dict[tuple[str, int], tuple[str, bytes | None]]:
        with self._tenancy.platform_session() as platform_db:
            rows = platform_db.scalars(select(PlatformKey)).all()
            self._rows = {(row.purpose, row.version): (row.state, row.wrapped) for row in rows}
        return self._rows

    def _active_version(self, purpose: str) -> int:
        version = self._find_active(purpose, reload=False)
        if version is None:
            # Another process may have made it since this one read the rows.
            version = self._find_active(purpose, reload=True)
        if version is None:
            if any(name == purpose for name, _ in self._rows or {}):
                raise PlatformKeyError(f"no active platform {purpose} key")
            create_first(self._tenancy, purpose)
            version = self._find_active(purpose, reload=True)
        if version is None:
            raise PlatformKeyError(f"no active platform {purpose} key")
        return version

    def _find_active(self, purpose: str, reload: bool) -> int | None:
        with self._lock:
            rows = self._load() if reload or self._rows is None else self._rows
        active = [version for (name, version), (state, _) in rows.items()
                  if name == purpose and state == DATA_KEY_ACTIVE]
        return max(active, default=None)

    def _key(self, purpose: str, version: int) -> bytes:
        opened = self._opened.get((purpose, version))
        if opened is not None:
            return opened
        with self._lock:
            rows = self._rows if self._rows is not None else self._load()
            if (purpose, version) not in rows:
                # Made by another process since this one read them.
                rows = self._load()
            state, wrapped = rows.get((purpose, version), (None, None))
        if state in (None, DATA_KEY_RETIRED) or wrapped is None:
            raise PlatformKeyError(f"platform {purpose} key {version} is "
                                   f"{'retired' if state else 'unknown'}")
        key = self._tenancy.keyring.open_platform_key(wrapped, key_context(purpose, version))
        self._opened[(purpose, version)] = key
        return key


def create_first(tenancy, purpose: str, key: bytes | None = None) -> None:
    """Version 1 of ``purpose``'s key (``key``, or a random one) unless it exists already."""
    key = key if key is not None else generate_key()
    try:
        with tenancy.platform_session() as platform_db:
            platform_db.add(PlatformKey(
                purpose=purpose, version=1, state=DATA_KEY_ACTIVE,
                wrapped=tenancy.keyring.wrap_platform_key(key, key_context(purpose, 1))))
        log.info("platform: first %s key made", purpose)
    except IntegrityError:
        log.info("platform: first %s key made by another process", purpose)


def rewrap_all(tenancy) -> int:
    """Wrap every platform key under the current master key; returns how many changed."""
    keyring = tenancy.keyring
    changed = 0
    with tenancy.platform_session() as platform_db:
        for row in platform_db.scalars(select(PlatformKey)
                                       .where(PlatformKey.wrapped.is_not(None))):
            if keyring.is_current(row.wrapped):
                continue
            context = key_context(row.purpose, row.version)
            row.wrapped = keyring.wrap_platform_key(
                keyring.open_platform_key(row.wrapped, context), context)
            changed += 1
    return changed

