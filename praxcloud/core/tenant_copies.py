"""A new tenant made to hold a copy of another tenant's data (``backup restore --into``).

A tenant's encoded fields are bound to its platform id and opened with keys
only the platform database holds: its data keys (``tenant_data_keys``) and
keys its codecs derive from its tenant key (blind indexes). A copy of its
rows in a new tenant reads nothing until the copy holds the same keys:

- the data origin: the source's platform id (its own origin if the source is
  itself a copy), to which the copy's codecs bind associated data;
- every data key of the source, each version in its state, wrapped again
  for the copy; then each purpose rotated, so that the copy encrypts under
  keys of its own from its first write, and the daily check (or ``praxcloud
  keys rotate``) re-encrypts what it holds and retires the copied versions;
- the keys the source's codecs derive from its tenant key, and those its
  plugins declare as sealing or indexing what they keep in its database
  (``data_origin_keys`` in their plugin info: the TOTP secrets and recovery
  codes of mfa_totp, the passkeys' user handles of mfa_webauthn), sealed
  under the copy's own tenant key (``tenants.sealed_codec_keys``); the
  copy's ``tenant_key`` answers them for those purposes, for reading and
  writing alike, as its codecs' blind indexes must. Never the source's
  tenant key itself, which also opens the source's backups, nor any other
  purpose's key (the backup repository's password stays the copy's own);
- the source's contract (plugins and their settings) and its core settings
  (the groups that must use a second factor, session lifetimes, ...), as
  they are at the time of the copy: the copy's rows need the same codecs,
  and it is kept at least as closely guarded as the source: its staff log
  in with the same password and the same second factor, and a secret that
  does not open refuses the login (the plugin says why in the log).

Nothing leaves the platform database in the clear. Deleting the copy
shreds its own copies (its rows, its tenant key); deleting the source
leaves the copy readable and the source's backups unreadable, as before.
"""

from __future__ import annotations

import base64
import json
import logging

from sqlalchemy import select

from . import data_keys
from .crypto import KeyError_, KeyRing, seal, unseal
from .errors import PraxError
from .models import DATA_KEY_ACTIVE, PlatformAuditEvent, Tenant, TenantPlugin

log = logging.getLogger(__name__)

# The purpose, under the copy's tenant key, of the key sealing the copied codec keys.
SEALING_PURPOSE = "codec-origin-keys"


class CopyRefused(PraxError):
    code = "copy_refused"
    status = 409


def prepare_restored_copy(registry, source_slug: str, copy_slug: str,
                          actor: str | None = None) -> dict:
    """Give the new, empty tenant ``copy_slug`` what it needs to read ``source_slug``'s rows.

    Call it before the source's backup is restored into the copy's database.
    Refuses a copy that already has a contract, data keys or an origin: only
    a tenant just made for the purpose may take another's keys. Returns what
    was copied: ``{"origin": id, "data_keys": n, "codec_keys": n, "plugin_keys":
    [purpose, ...], "plugins": [...]}``.
    """
    tenancy = registry.tenancy
    with tenancy.platform_session() as platform_db:
        source = _load(platform_db, source_slug)
        copy = _load(platform_db, copy_slug)
        if source.id == copy.id:
            raise CopyRefused(f"tenant {copy_slug!r} cannot be a copy of itself")
        if (copy.plugins or copy.data_keys or copy.data_origin_id is not None
                or copy.sealed_codec_keys is not None):
            raise CopyRefused(f"tenant {copy_slug!r} is not new: it already has a contract, "
                              "data keys or an origin, and takes no other tenant's keys")
        resolver = tenancy.field_codecs
        derived = {} if resolver is None else resolver.derived_keys(source)
        codec_keys = len(derived)
        purposes = data_origin_purposes(registry, source)
        for purpose in purposes:
            # The source's own key, or in a copy of a copy the one it was given.
            derived.setdefault(purpose, tenancy.derive_key(source, purpose))
        copy.data_origin_id = source.data_origin
        if derived:
            copy.sealed_codec_keys = _seal(tenancy.keyring, copy, derived)
        copied = data_keys.copy_all(tenancy, platform_db, source, copy)
        plugins = sorted(source.plugins, key=lambda line: line.plugin)
        for line in plugins:
            # A move under way comes too: the copy's rows are as the source's, half moved.
            copy.plugins.append(TenantPlugin(plugin=line.plugin,
                                             settings=dict(line.settings or {}),
                                             move=None if line.move is None else dict(line.move)))
        copy.settings = dict(source.settings or {})
        done = {"origin": copy.data_origin_id, "data_keys": copied,
                "codec_keys": codec_keys, "plugin_keys": purposes,
                "plugins": [line.plugin for line in plugins]}
        platform_db.add(PlatformAuditEvent(event="tenant.restored_copy", tenant_slug=copy_slug,
                                           actor=actor, details={"source": source_slug,
                                                                 **done}))
        active = sorted({row.purpose for row in source.data_keys
                         if row.state == DATA_KEY_ACTIVE})
    # The copy shares the source's active keys until it has its own: new values
    # in either tenant must not be encrypted under one key counted twice apart.
    for purpose in active:
        data_keys.rotate(tenancy, copy_slug, purpose)
    log.warning("tenant %s: prepared as a copy of %s (%d data keys, %d codec keys, "
                "plugin keys %s, %d purposes rotated)", copy_slug, source_slug, copied,
                codec_keys, purposes or "none", len(active))
    return done


def data_origin_purposes(registry, tenant: Tenant) -> list[str]:
    """The ``data_origin_keys`` of the plugins ``tenant`` enables (those installed here)."""
    infos = registry.plugin_host.infos
    return sorted({purpose for name in tenant.enabled_plugins if name in infos
                   for purpose in infos[name].data_origin_keys})


def copied_key(keyring: KeyRing, tenant: Tenant, purpose: str) -> bytes | None:
    """The source's key for ``purpose`` that copy ``tenant`` was given, or None.

    Opened per call (only copies pay for it); a sealed set that does not
    open raises :class:`KeyError_`, logged: whatever needed the key refuses.
    """
    if tenant.sealed_codec_keys is None:
        return None
    return _unseal(keyring, tenant.slug, bytes(tenant.wrapped_key),
                   bytes(tenant.sealed_codec_keys)).get(purpose)


def copied_codec_keys(keyring: KeyRing, tenant: Tenant):
    """A function: the source's codec key for a purpose, or None where none was copied.

    Opened on first use (inside the codec hook, where a failure makes the
    tenant unavailable rather than its values plain) and kept.
    """
    slug = tenant.slug
    wrapped = bytes(tenant.wrapped_key)
    sealed = None if tenant.sealed_codec_keys is None else bytes(tenant.sealed_codec_keys)
    opened: dict[str, bytes] = {}

    def copied(purpose: str) -> bytes | None:
        if sealed is None:
            return None
        if not opened:
            opened.update(_unseal(keyring, slug, wrapped, sealed))
        return opened.get(purpose)

    return copied


def _seal(keyring: KeyRing, copy: Tenant, keys: dict[str, bytes]) -> bytes:
    payload = json.dumps({purpose: base64.b64encode(key).decode("ascii")
                          for purpose, key in sorted(keys.items())}).encode()
    return seal(_sealing_key(keyring, copy.slug, bytes(copy.wrapped_key)), payload,
                _sealing_context(copy.slug))


def _unseal(keyring: KeyRing, slug: str, wrapped: bytes, sealed: bytes) -> dict[str, bytes]:
    try:
        payload = unseal(_sealing_key(keyring, slug, wrapped), sealed, _sealing_context(slug))
        return {purpose: base64.b64decode(text) for purpose, text in json.loads(payload).items()}
    except (ValueError, KeyError_) as exc:
        log.error("tenant %s: the keys copied from its source do not open (%s)", slug,
                  type(exc).__name__)
        raise KeyError_(f"tenant {slug}: the keys copied from its source do not open") from exc


def _sealing_key(keyring: KeyRing, slug: str, wrapped: bytes) -> bytes:
    return KeyRing.derive_tenant_key(keyring.open_tenant_key(slug, wrapped), SEALING_PURPOSE)


def _sealing_context(slug: str) -> bytes:
    return f"codec-origin-keys:{slug}".encode()


def _load(platform_db, slug: str) -> Tenant:
    from .provisioning import TenantNotFound  # provisioning -> tenancy -> fields -> here

    tenant = platform_db.scalars(select(Tenant).where(Tenant.slug == slug)).first()
    if tenant is None:
        raise TenantNotFound(slug)
    return tenant
