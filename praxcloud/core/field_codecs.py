"""The field layer's codecs: which fields a plugin may encode, and a tenant's codecs.

A plugin (field encryption) answers ``praxcloud_field_codec`` with a codec
for a field (:class:`FieldCodec`); the core wraps it so that every codec is
called alike (with the row's id, on text), and keeps one tenant's codecs in
a :class:`TenantFieldCodecs`, hung on each of the tenant's database sessions
(:func:`attach`, :func:`codecs_of`). Where the codecs are applied, in ORM
events and on read pages, is :mod:`.fields`; how a tenant's are asked for
and cached is :mod:`.field_resolver`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import Session

from . import json_codec
from .models import AuditEvent, Record, User

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


class RowFree:
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


class Copies:
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


class Formed:
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
    return codec if getattr(codec, "binds_row", False) else RowFree(codec)


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
        tokens = tokens_of(codec, text)
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


def decode_column(codec, values: Sequence, rows: Sequence) -> list:
    """``values`` (None stays None) decoded, each bound to its row in ``rows``."""
    many = getattr(codec, "decode_many", None)
    if many is not None:
        return many(values, rows)
    decode = codec.decode
    return [value if value is None else decode(value, row)
            for value, row in zip(values, rows, strict=True)]


def tokens_of(codec, text: str) -> list[str]:
    search_tokens = getattr(codec, "search_tokens", None)
    return sorted(set(search_tokens(text))) if search_tokens is not None else []


def token_index(codec, value: str) -> str | None:
    """" t1 t2 " for a value's words (LIKE '% t1 %' finds t1 whole); None without words."""
    tokens = tokens_of(codec, value)
    return f" {' '.join(tokens)} " if tokens else None


def check_codec(codec, needs_blind_index: bool) -> None:
    required = ("encode", "decode", "blind_index") if needs_blind_index else ("encode", "decode")
    missing = [name for name in required if not callable(getattr(codec, name, None))]
    if missing:
        raise TypeError(f"codec {codec!r} lacks {', '.join(missing)}")


# Every field an ORM event may encode, by model: the codecs' own and their followers.
ENCODED_FIELDS: dict[type, tuple[str, ...]] = {
    **CODEC_FIELDS,
    **{model: tuple(f for (m, f) in FOLLOWING_FIELDS if m is model)
       for model, _ in FOLLOWING_FIELDS},
}
