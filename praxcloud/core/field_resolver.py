"""How a tenant's field codecs are found: asked of its plugins once per contract and
process, and kept (:class:`FieldCodecResolver`)."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable

from .crypto import KeyRing
from .data_keys import DataKeys
from .errors import TenantUnavailable
from .field_codecs import (
    BLIND_INDEX_COLUMNS,
    CODEC_FIELDS,
    FOLLOWING_FIELDS,
    PLAIN,
    VALUE_FORMS,
    Copies,
    Formed,
    TenantFieldCodecs,
    check_codec,
    row_bound,
)
from .models import Tenant
from .tenant_cache import is_cached
from .tenant_copies import copied_codec_keys

log = logging.getLogger(__name__)


class FieldCodecResolver:
    """Asks the plugins for a tenant's codecs once and keeps the answer.

    The cache is keyed by tenant slug and checked against a fingerprint of
    the tenant's key and contract, so a contract changed in another process
    (the console enabling field encryption while a worker runs) is seen on
    the next session without any message between processes.
    """

    def __init__(self, plugin_host, tenancy, max_tenants: int = 1024):
        self.plugin_host = plugin_host
        self.tenancy = tenancy
        self.keyring = tenancy.keyring
        self.max_tenants = max_tenants
        self._cache: OrderedDict[str, tuple[str, TenantFieldCodecs]] = OrderedDict()
        self._lock = threading.Lock()

    def for_tenant(self, tenant: Tenant) -> TenantFieldCodecs:
        fingerprint = _fingerprint(tenant)
        with self._lock:
            entry = self._cache.get(tenant.slug)
            if entry is not None and entry[0] == fingerprint:
                self._cache.move_to_end(tenant.slug)
                return entry[1]
        codecs = self._resolve(tenant)
        with self._lock:
            self._cache[tenant.slug] = (fingerprint, codecs)
            self._cache.move_to_end(tenant.slug)
            while len(self._cache) > self.max_tenants:
                self._cache.popitem(last=False)
        return codecs

    def derived_keys(self, tenant: Tenant) -> dict[str, bytes]:
        """Every key the tenant's codecs derive (``keys(purpose)``), by purpose.

        What a copy of the tenant's rows in another tenant needs besides the
        data keys (:mod:`.tenant_copies`); resolved afresh, not cached.
        """
        asked: dict[str, bytes] = {}
        source = self._key_source(tenant)

        def recording(purpose: str) -> bytes:
            asked[purpose] = source(purpose)
            return asked[purpose]

        self._resolve(tenant, recording)
        return asked

    def _resolve(self, tenant: Tenant,
                 keys: Callable[[str], bytes] | None = None) -> TenantFieldCodecs:
        # A recorded move (enable, disable, settings) is resolved on both sides.
        from .field_moves import resolve

        return resolve(tenant, lambda side: self._resolve_contract(side, keys))

    def _resolve_contract(self, tenant: Tenant,
                          keys: Callable[[str], bytes] | None = None) -> TenantFieldCodecs:
        if not tenant.enabled_plugins:
            return PLAIN
        hooks = self.plugin_host.for_tenant(tenant.enabled_plugins)
        keys = keys or self._key_source(tenant)
        data_keys = self._data_key_source(tenant)
        codecs = {}
        for model, fields in CODEC_FIELDS.items():
            for field in fields:
                try:
                    codec = hooks.praxcloud_field_codec(
                        tenant=tenant, model=model.__tablename__, field=field, keys=keys,
                        data_keys=data_keys)
                    if codec is not None:
                        check_codec(codec, needs_blind_index=(model, field) in BLIND_INDEX_COLUMNS)
                except Exception:
                    # Fail closed: storing a field in plain text that the
                    # contract says is encrypted is not an option.
                    log.exception("tenant %s refused: no usable codec for %s.%s",
                                  tenant.slug, model.__tablename__, field)
                    raise TenantUnavailable(
                        "plugin_unavailable",
                        "a security feature of this institution is unavailable", 503) from None
                if codec is not None:
                    codec = row_bound(codec)
                    form = VALUE_FORMS.get((model, field))
                    codecs[(model, field)] = codec if form is None else Formed(codec, form)
        for follower, leader in FOLLOWING_FIELDS.items():
            if leader in codecs:
                codecs[follower] = Copies(codecs[leader])
        return TenantFieldCodecs(codecs) if codecs else PLAIN

    def _key_source(self, tenant: Tenant) -> Callable[[str], bytes]:
        # Captured values, not the row: the codec outlives the session that loaded it.
        slug, wrapped = tenant.slug, bytes(tenant.wrapped_key)
        keyring = self.keyring
        # A copy restored from another tenant's backup reads that tenant's values.
        copied = copied_codec_keys(keyring, tenant)

        def derive(purpose: str) -> bytes:
            key = copied(purpose)
            if key is not None:
                return key
            return KeyRing.derive_tenant_key(keyring.open_tenant_key(slug, wrapped), purpose)

        return derive

    def _data_key_source(self, tenant: Tenant) -> Callable[[str], DataKeys]:
        # One DataKeys per purpose for all of the tenant's codecs: each key opened once.
        made: dict[str, DataKeys] = {}
        tenancy = self.tenancy

        def data_keys(purpose: str) -> DataKeys:
            if purpose not in made:
                made[purpose] = DataKeys(tenancy, tenant, purpose)
            return made[purpose]

        return data_keys


# Where a cached tenant (tenant_cache: never changed) keeps its fingerprint.
_FINGERPRINT = "_praxcloud_codec_fingerprint"


def _fingerprint(tenant: Tenant) -> str:
    known = vars(tenant).get(_FINGERPRINT)
    if known is not None:
        return known
    fingerprint = _contract_fingerprint(tenant)
    if is_cached(tenant):
        # Asked at every request's session: a cached tenant cannot change, so once.
        vars(tenant)[_FINGERPRINT] = fingerprint
    return fingerprint


def _contract_fingerprint(tenant: Tenant) -> str:
    contract = sorted((row.plugin, row.settings or {}, row.move or {}) for row in tenant.plugins)
    keys = sorted((row.purpose, row.version, row.state) for row in tenant.data_keys)
    digest = hashlib.sha256(bytes(tenant.wrapped_key or b""))
    digest.update(bytes(tenant.sealed_codec_keys or b"") + f"|{tenant.data_origin}".encode())
    digest.update(json.dumps([contract, keys], sort_keys=True, default=str).encode())
    return digest.hexdigest()
