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

This module applies the codecs (ORM events, read pages, rewrites); the
codecs' contract and a tenant's collection of them are
:mod:`.field_codecs`, and how a tenant's are asked for and cached is
:mod:`.field_resolver`.
"""

from __future__ import annotations

import secrets
from collections import namedtuple
from collections.abc import Iterable
from functools import partial
from typing import Any

from sqlalchemy import event, inspect, select, text
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import flag_modified, set_committed_value

# The field layer's names, imported from here by the core's modules: importing
# this module is what installs the ORM events (below), so no session encodes
# without them.
from .field_codecs import (  # noqa: F401
    BLIND_INDEX_COLUMNS,
    CODEC_FIELDS,
    ENCODED_FIELDS,
    FOLLOWING_FIELDS,
    PLAIN,
    TOKEN_INDEX_COLUMNS,
    ChangingFieldCodecs,
    Copies,
    FieldCodec,
    TenantFieldCodecs,
    attach,
    codecs_of,
    decode_column,
    token_index,
    tokens_of,
)
from .field_resolver import FieldCodecResolver  # noqa: F401

# Plain values of an instance while its encoded values are being written.
_PLAIN_WHILE_FLUSHING = "_praxcloud_plain_fields"


def encoded_values(session: Session, model: type, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` (column -> plain value) as ``model``'s rows store them under the
    session's codecs, blind indexes included: for a Core INSERT, which the ORM
    events that encode a flushed row never see."""
    codecs = codecs_of(session)
    if not codecs:
        return values
    stored = dict(values)
    for field in ENCODED_FIELDS[model]:
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
            stored[token_column] = token_index(codec, value)
    return stored


def decoded_rows(session: Session, model: type, rows: Iterable) -> list:
    """Core rows of ``model``'s table with the session's codecs undone, for reading.

    With no codec on the model the rows are given back as they are; else
    each becomes a named tuple with the same attributes and ``_fields``, its
    encoded fields decoded: one pass over the page, not an ORM load event
    per row, and no mapping built per row.
    """
    codecs = codecs_of(session)
    encoded = [(field, codecs.reading(model, field)) for field in ENCODED_FIELDS.get(model, ())]
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
    fields = ENCODED_FIELDS[model]
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
    for field in ENCODED_FIELDS[model]:
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
            setattr(target, token_column, None if value is None else token_index(codec, value))
        if value is None:
            setattr(target, field, None)
            continue
        if row_id is None and not isinstance(codec, Copies):
            row_id = target.id = _next_id(connection, model)
        if row_id is None and not isinstance(codec, Copies):
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
    for field in ENCODED_FIELDS[model]:
        codec = codecs.reading(model, field)
        if codec is None or (attrs is not None and field not in attrs):
            continue
        stored = loaded.get(field)
        if stored is not None:
            set_committed_value(target, field, codec.decode(stored, loaded.get("id")))


def _install_events() -> None:
    for model in ENCODED_FIELDS:
        event.listen(model, "before_insert", _encode_for_insert)
        event.listen(model, "before_update", _encode_for_update)
        event.listen(model, "after_insert", _encode_after_insert)
        event.listen(model, "after_update", _restore_plain)
        event.listen(model, "load", _decode_loaded)
        event.listen(model, "refresh", _decode_refreshed)


_install_events()
