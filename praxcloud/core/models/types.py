"""Column types shared by platform and tenant models."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import DateTime, String, TypeDecorator

# Columns a field codec may encode hold up to this many characters; the
# plain values are limited far below it by the API and console.
ENCODED_LENGTH = 512


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes everywhere, stored naive so SQLite and PostgreSQL agree."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


# What a plain date of birth looks like in its column; anything else is an encoded value.
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class SealableDate(TypeDecorator):
    """A date kept as ISO 8601 text, so that its column can hold it encoded too.

    A field codec (field encryption) stores a date as text that is no date;
    a date column would refuse it. Plain dates go in as ``YYYY-MM-DD``, which
    still sorts and compares as the dates do, and come out as ``datetime.date``;
    a stored value of another shape comes out as the text it is, for the
    field layer (:mod:`praxcloud.core.fields`) to decode.
    """

    impl = String(ENCODED_LENGTH)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value.isoformat()
        raise TypeError(f"a date or its encoded text, not {type(value).__name__}")

    def process_result_value(self, value, dialect):
        if value is None or not _ISO_DATE.fullmatch(value):
            return value
        return dt.date.fromisoformat(value)
