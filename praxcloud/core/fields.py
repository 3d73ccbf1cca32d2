"""The field layer: how the chosen user and record fields are stored.

A plugin (field encryption) answers ``praxcloud_field_codec`` with a codec for
a field; the core asks once per tenant, contract and process, hangs the
tenant's codecs on each of its database sessions, and applies them in ORM
events: encode when a row is flushed, decode when it is loaded. Views and
services keep working with plain values. Exact-match lookups (login and
forgot-password by e-mail, the duplicate check) go through the codec's blind
index, kept in a column of its own, because an encrypted value cannot be
compared in SQL.

A codec binds each value to its row (``binds_row``): the core passes the
row's id to ``encode`` and ``decode``, so a ciphertext copied to another row
does not open. Rows get their id before their values are encoded: from the
table's sequence on PostgreSQL; on SQLite, which has none, the row is
inserted with placeholders and its encoded values written by an UPDATE in
the same flush (the placeholders never held a value).

A blind index may be truncated (CipherSweet's advice: a few rows share each
index value, so the index alone confirms nothing), so an exact lookup reads
the candidates and keeps those whose decoded value matches
(:meth:`TenantFieldCodecs.lookup`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
import threading
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any, Protocol

from sqlalchemy import and_, event, false, inspect, or_, select, text
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import flag_modified, set_committed_value

from . import json_codec
from .crypto import KeyRing
from .data_keys import DataKeys
from .errors import TenantUnavailable
from .models import AuditEvent, Record, Tenant, User
from .tenant_cache import is_cached
from .tenant_copies import copied_codec_keys

log = logging.getLogger(__name__)

# The fields a codec may take over, by model. Other columns are compared,
# sorted or typed in SQL (times, ids, states) and stay plain.
CODEC_FIELDS: dict[type, tuple[str, ...]] = {
    User: ("email", "display_name"),
    Record: ("name", "email", "phone", "date_of_birth", "notes", "fields"),
}
# Fields looked up by exact match, and the column holding their blind index.
BLIND_INDEX_COLUMNS: dict[tuple[type, str], str] = {(User, "email"): "email_index"}
# Fields searched by word, and the column holding the blind index of their words
# (" t1 t2 ", matched with LIKE '% t %'), from a codec with ``search_tokens``.
TOKEN_INDEX_COLUMNS: dict[tuple[type, str], str] = {(Record, "name"): "name_tokens"}
# Fields that hold copies of another field's kind of value and take its codec:
# the audit trail names users by e-mail (and records by name, searches by their
# text), so a codec on users.email also covers the trail's display values.
FOLLOWING_FIELDS: dict[tuple[type, str], tuple[type, str]] = {
    (AuditEvent, "actor"): (User, "email"),
    (AuditEvent, "target"): (User, "email"),
}



class ValueForm:
    """How a field that is not text is given to its codec, and taken back.

    Codecs see text only: a date of birth as ISO 8601, the free fields as
    canonical JSON. A stored value that is not text is one written before
    the field was encoded (a date, a JSON object) and reads as it is, as an
    unprefixed value does in the field encryption plugin.
    """

    def __init__(self, to_text: Callable[[Any], str], from_text: Callable[[str], Any]):
        self.to_text = to_text
        self.from_text = from_text


def _date_text(value) -> str:
    return value if isinstance(value, str) else value.isoformat()


def _json_text(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _date_from_text(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


VALUE_FORMS: dict[tuple[type, str], ValueForm] = {
    (Record, "date_of_birth"): ValueForm(_date_text, _date_from_text),
    (Record, "fields"): ValueForm(_json_text, json_codec.loads),
}

SESSION_INFO_KEY = "praxcloud.field_codecs"
# Plain values of an instance while its encoded values are being written.
_PLAIN_WHILE_FLUSHING = "_praxcloud_plain_fields"


class FieldCodec(Protocol):
    """What ``praxcloud_field_codec`` returns. ``blind_index`` only for looked-up fields.

    A codec whose ``binds_row`` is true takes the row's id as a second
    argument (``None`` for a copy that has no row of its own, such as the
    audit trail's display values); one without it takes the value alone.
    A row-binding codec may also have ``decode_many(values, rows)``: a
    column of a page decoded in one call (None stays None), for codecs whose
    per-call overhead matters (a page of 50 records decodes 300 values).
    """

    def encode(self, value: str) -> str: ...

    def decode(self, stored: str) -> str: ...


class _RowFree:
    """A codec that ignores rows, called as the core calls every codec: ``(value, row)``."""

    binds_row = True

    def __init__(self, codec):
        self.codec = codec
        self.blind_index = getattr(codec, "blind_index", None)
        self.search_tokens = getattr(codec, "search_tokens", None)

    def encode(self, value: str, row: int | None) -> str:
        return self.codec.encode(value)

    def decode(self, stored: str, row: int | None) -> str:
        return self.codec.decode(stored)


class _Copies:
    """A leading field's codec on fields holding copies of its values, bound to no row.

    The audit trail's rows are written in batches by Core INSERTs, before
    they have ids; their display values are bound to the leading field only.
    """

    binds_row = True

    def __init__(self, codec):
        self.codec = codec

    def encode(self, value: str, row: int | None) -> str:
        return self.codec.encode(value, None)

    def decode(self, stored: str, row: int | None) -> str:
        return self.codec.decode(stored, None)


class _Formed:
    """A codec for a field that is not text: values turned to text and back around it."""

    binds_row = True

    def __init__(self, codec, form: ValueForm):
        self.codec = codec
        self.to_text = form.to_text
        self.from_text = form.from_text

    def encode(self, value, row: int | None) -> str:
        return self.codec.encode(self.to_text(value), row)

    def decode(self, stored, row: int | None):
        if not isinstance(stored, str):
            return stored
        return self.from_text(self.codec.decode(stored, row))

    def decode_many(self, values: Sequence, rows: Sequence) -> list:
        texts = decode_column(self.codec, [v if isinstance(v, str) else None for v in values], rows)
        from_text = self.from_text
        return [value if not isinstance(value, str) else from_text(text)
                for value, text in zip(values, texts, strict=True)]


def row_bound(codec):
    """``codec`` as the core calls it, with the row's id."""
    return codec if getattr(codec, "binds_row", False) else _RowFree(codec)


class TenantFieldCodecs:
    """One tenant's codecs, keyed by (model, field); empty when every field is plain."""

    def __init__(self, codecs: dict[tuple[type, str], FieldCodec] | None = None):
        self._codecs = dict(codecs or {})

    def __bool__(self) -> bool:
        return bool(self._codecs)

    def get(self, model: type, field: str) -> FieldCodec | None:
        return self._codecs.get((model, field))

    def reading(self, model: type, field: str) -> FieldCodec | None:
        """The codec that decodes what is stored now (the same as ``get`` but while changing)."""
        return self._codecs.get((model, field))

    def is_encoded(self, model: type, field: str) -> bool:
        return (model, field) in self._codecs

    def match(self, model: type, field: str, value: str):
        """A WHERE clause: ``model.field == value``, through the blind index when encoded.

        Through a truncated blind index it also matches the few rows whose
        values share the index value: use :meth:`lookup` where only the
        value itself will do.
        """
        codec = self.get(model, field)
        if codec is None:
            return getattr(model, field) == value
        return getattr(model, BLIND_INDEX_COLUMNS[(model, field)]) == codec.blind_index(value)

    def lookup(self, session: Session, model: type, field: str, value: str,
               *criteria) -> list:
        """The rows of ``model`` whose ``field`` is exactly ``value``, in id order.

        The candidates the (possibly truncated) blind index finds, loaded and
        so decoded, kept when their plain value is ``value``.
        """
        statement = (select(model).where(self.match(model, field, value), *criteria)
                     .order_by(model.id))
        rows = session.scalars(statement).all()
        if not self.is_encoded(model, field):
            return list(rows)
        return [row for row in rows if getattr(row, field) == value]

    def search(self, model: type, fields: Iterable[str], pattern: str, text: str):
        """A WHERE clause for a search box over ``fields``.

        Plain fields match the ``ilike`` ``pattern``; an encoded field can
        only match ``text`` exactly, through its blind index, and one without
        a blind index is not searchable at all.
        """
        clauses = []
        for field in fields:
            # What is stored now decides: while a move is under way (field_moves), a
            # field not encoded before is still searched as text, its moved rows by index.
            if self.reading(model, field) is None:
                clauses.append(getattr(model, field).ilike(pattern, escape="\\"))
            elif (model, field) in BLIND_INDEX_COLUMNS:
                clauses.append(self.match(model, field, text))
            elif (model, field) in TOKEN_INDEX_COLUMNS:
                clauses.append(self.words(model, field, text))
        return or_(*clauses) if clauses else false()

    def words(self, model: type, field: str, text: str):
        """A WHERE clause: every word of ``text`` is a word of the encoded ``field``.

        Through the codec's token index (whole words only, and a truncated
        index matches a few other words too: a search may find a little more).
        """
        codec = self.get(model, field)
        tokens = _tokens(codec, text)
        if not tokens:
            return false()
        column = getattr(model, TOKEN_INDEX_COLUMNS[(model, field)])
        return and_(*[column.like(f"% {token} %") for token in tokens])

    def order_column(self, model: type, field: str):
        """What to sort by for ``field``: itself when plain; ciphertext has no order, so the id."""
        return model.id if self.is_encoded(model, field) else getattr(model, field)


PLAIN = TenantFieldCodecs()


class ChangingFieldCodecs(TenantFieldCodecs):
    """While a codec plugin's settings change: rows are read through the codecs of the
    old settings and written through those of the new, so that ``rewrite_all``
    moves every value from one to the other (a field taken off the list is
    decrypted, one added encrypted, a resized blind index recomputed)."""

    def __init__(self, old: TenantFieldCodecs, new: TenantFieldCodecs):
        super().__init__(new._codecs)
        self.old = old

    def __bool__(self) -> bool:
        return bool(self._codecs) or bool(self.old)

    def reading(self, model: type, field: str) -> FieldCodec | None:
        return self.old.get(model, field)


def codecs_of(session: Session | None) -> TenantFieldCodecs:
    if session is None:
        return PLAIN
    return session.info.get(SESSION_INFO_KEY, PLAIN)


def attach(session: Session, codecs: TenantFieldCodecs) -> Session:
    session.info[SESSION_INFO_KEY] = codecs
    return session


def encoded_values(session: Session, model: type, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` (column -> plain value) as ``model``'s rows store them under the
    session's codecs, blind indexes included: for a Core INSERT, which the ORM
    events that encode a flushed row never see."""
    codecs = codecs_of(session)
    if not codecs:
        return values
    stored = dict(values)
    for field in _ENCODED_FIELDS[model]:
        codec = codecs.get(model, field)
        value = stored.get(field)
        if codec is None or value is None:
            continue
        stored[field] = codec.encode(value, stored.get("id"))
        blind_column = BLIND_INDEX_COLUMNS.get((model, field))
        if blind_column:
            stored[blind_column] = codec.blind_index(value)
        token_column = TOKEN_INDEX_COLUMNS.get((model, field))
        if token_column:
            stored[token_column] = _token_index(codec, value)
    return stored


def decoded_rows(session: Session, model: type, rows: Iterable) -> list:
    """Core rows of ``model``'s table with the session's codecs undone, for reading.

    With no codec on the model the rows are given back as they are; else
    each becomes a named tuple with the same attributes and ``_fields``, its
    encoded fields decoded: one pass over the page, not an ORM load event
    per row, and no mapping built per row.
    """
    codecs = codecs_of(session)
    encoded = [(field, codecs.reading(model, field)) for field in _ENCODED_FIELDS.get(model, ())]
    encoded = [(field, codec) for field, codec in encoded if codec is not None]
    if not encoded:
        return list(rows)
    rows = list(rows)
    if not rows:
        return rows
    # Column by column, not row by row: a page decodes 300 values, and a
    # codec with ``decode_many`` takes a whole column in one call.
    names = rows[0]._fields
    columns = list(zip(*rows, strict=True))
    ids = columns[names.index("id")] if "id" in names else (None,) * len(rows)
    for field, codec in encoded:
        index = names.index(field)
        columns[index] = decode_column(codec, columns[index], ids)
    make = partial(tuple.__new__, _decoded_row_class(names))
    return list(map(make, zip(*columns, strict=True)))


def decode_column(codec, values: Sequence, rows: Sequence) -> list:
    """``values`` (None stays None) decoded, each bound to its row in ``rows``."""
    many = getattr(codec, "decode_many", None)
    if many is not None:
        return many(values, rows)
    decode = codec.decode
    return [value if value is None else decode(value, row)
            for value, row in zip(values, rows, strict=True)]


_DECODED_ROW_CLASSES: dict[tuple[str, ...], type] = {}


def _decoded_row_class(names: tuple[str, ...]) -> type:
    """A named tuple class per set of columns read, made once per process."""
    made = _DECODED_ROW_CLASSES.get(names)
    if made is None:
        made = _DECODED_ROW_CLASSES.setdefault(names, namedtuple("DecodedRow", names))
    return made


def rewrite_all(session: Session, model: type, to: TenantFieldCodecs | None = None,
                batch_size: int = 500) -> int:
    """Store every row of ``model`` again: under the session's codecs, or ``to``.

    For a plugin that starts encoding a tenant's existing rows, rotates its
    key (the codec decodes the old form, encodes the new), or stops encoding
    (``to=PLAIN`` when disabled). Returns how many rows were rewritten.
    """
    reading = codecs_of(session)
    writing = reading if to is None else to
    fields = _ENCODED_FIELDS[model]
    count = 0
    last_id = 0
    while True:
        rows = session.scalars(
            select(model).where(model.id > last_id).order_by(model.id).limit(batch_size)
        ).all()
        if not rows:
            return count
        for row in rows:
            for field in fields:
                flag_modified(row, field)
        attach(session, writing)
        try:
            session.flush()
        finally:
            attach(session, reading)
        count += len(rows)
        last_id = rows[-1].id


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
                        _check_codec(codec, needs_blind_index=(model, field) in BLIND_INDEX_COLUMNS)
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
                    codecs[(model, field)] = codec if form is None else _Formed(codec, form)
        for follower, leader in FOLLOWING_FIELDS.items():
            if leader in codecs:
                codecs[follower] = _Copies(codecs[leader])
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


def _tokens(codec, text: str) -> list[str]:
    search_tokens = getattr(codec, "search_tokens", None)
    return sorted(set(search_tokens(text))) if search_tokens is not None else []


def _token_index(codec, value: str) -> str | None:
    """" t1 t2 " for a value's words (LIKE '% t1 %' finds t1 whole); None without words."""
    tokens = _tokens(codec, value)
    return f" {' '.join(tokens)} " if tokens else None


def _check_codec(codec, needs_blind_index: bool) -> None:
    required = ("encode", "decode", "blind_index") if needs_blind_index else ("encode", "decode")
    missing = [name for name in required if not callable(getattr(codec, name, None))]
    if missing:
        raise TypeError(f"codec {codec!r} lacks {', '.join(missing)}")


# ORM events ------------------------------------------------------------------
# Mapper events rather than a column type: a type sees no session, and the
# codec belongs to the tenant whose session writes the row.

def _encode_for_insert(mapper, connection, target) -> None:
    _encode(target, connection, inserting=True)


def _encode_for_update(mapper, connection, target) -> None:
    _encode(target, connection, inserting=False)


# Stored in place of an encoded value until the row has its id (SQLite): unique,
# since users.email is, and readable as what it is should one ever be seen.
_PENDING = "pending-encoding:"
# Values to encode once the row exists: {field: plain}, on the instance while it flushes.
_ENCODE_AFTER_INSERT = "_praxcloud_encode_after_insert"


def _encode(target, connection, inserting: bool) -> None:
    codecs = codecs_of(object_session(target))
    model = type(target)
    state = inspect(target)
    plain: dict[str, Any] = {}
    later: dict[str, Any] = {}
    row_id = target.id
    for field in _ENCODED_FIELDS[model]:
        if not inserting and not state.attrs[field].history.has_changes():
            continue
        codec = codecs.get(model, field)
        blind_column = BLIND_INDEX_COLUMNS.get((model, field))
        token_column = TOKEN_INDEX_COLUMNS.get((model, field))
        if codec is None:
            # Stored plain: an index left from an earlier codec would go stale.
            for index_column in (blind_column, token_column):
                if index_column and getattr(target, index_column) is not None:
                    setattr(target, index_column, None)
            continue
        value = getattr(target, field)
        if value is None and inserting:
            value = _scalar_default(model, field)
        plain[field] = value
        if blind_column:
            setattr(target, blind_column, None if value is None else codec.blind_index(value))
        if token_column:
            setattr(target, token_column, None if value is None else _token_index(codec, value))
        if value is None:
            setattr(target, field, None)
            continue
        if row_id is None and not isinstance(codec, _Copies):
            row_id = target.id = _next_id(connection, model)
        if row_id is None and not isinstance(codec, _Copies):
            later[field] = value
            setattr(target, field, _PENDING + secrets.token_hex(16))
        else:
            setattr(target, field, codec.encode(value, row_id))
    if plain:
        vars(target)[_PLAIN_WHILE_FLUSHING] = plain
    if later:
        vars(target)[_ENCODE_AFTER_INSERT] = later


def _next_id(connection, model: type) -> int | None:
    """The id the row will have, taken from its table's sequence; None where there is none."""
    if connection.dialect.name != "postgresql":
        return None
    return connection.scalar(text("SELECT nextval(pg_get_serial_sequence(:table, 'id'))"),
                             {"table": model.__tablename__})


def _encode_after_insert(mapper, connection, target) -> None:
    later = vars(target).pop(_ENCODE_AFTER_INSERT, None)
    if later:
        codecs = codecs_of(object_session(target))
        model = type(target)
        values = {field: codecs.get(model, field).encode(value, target.id)
                  for field, value in later.items()}
        table = model.__table__
        connection.execute(table.update().where(table.c.id == target.id).values(**values))
    _restore_plain(mapper, connection, target)


def _restore_plain(mapper, connection, target) -> None:
    """After the encoded values are written, the instance shows plain values again."""
    plain = vars(target).pop(_PLAIN_WHILE_FLUSHING, None)
    for field, value in (plain or {}).items():
        set_committed_value(target, field, value)


def _scalar_default(model: type, field: str):
    default = model.__table__.c[field].default
    if default is not None and default.is_scalar:
        return default.arg
    return None


def _decode_loaded(target, context) -> None:
    _decode(target, context.session, None)


def _decode_refreshed(target, context, attrs) -> None:
    _decode(target, context.session, attrs)


def _decode(target, session, attrs) -> None:
    codecs = codecs_of(session)
    if not codecs:
        return
    model = type(target)
    loaded = vars(target)
    for field in _ENCODED_FIELDS[model]:
        codec = codecs.reading(model, field)
        if codec is None or (attrs is not None and field not in attrs):
            continue
        stored = loaded.get(field)
        if stored is not None:
            set_committed_value(target, field, codec.decode(stored, loaded.get("id")))


# Every field an ORM event may encode, by model: the codecs' own and their followers.
_ENCODED_FIELDS: dict[type, tuple[str, ...]] = {
    **CODEC_FIELDS,
    **{model: tuple(f for (m, f) in FOLLOWING_FIELDS if m is model)
       for model, _ in FOLLOWING_FIELDS},
}


def _install_events() -> None:
    for model in _ENCODED_FIELDS:
        event.listen(model, "before_insert", _encode_for_insert)
        event.listen(model, "before_update", _encode_for_update)
        event.listen(model, "after_insert", _encode_after_insert)
        event.listen(model, "after_update", _restore_plain)
        event.listen(model, "load", _decode_loaded)
        event.listen(model, "refresh", _decode_refreshed)


_install_events()
