"""JSON written and read with orjson: the renderer of every JSON view, and
the engines' JSON columns.

The standard library's encoder cost a page of 50 records about a fifth of
its time (``bench/request_cost.py --profile page``), and reading the
records' ``fields`` column another tenth; orjson does both in a fraction.

What the renderer writes is what Pyramid's ``json`` renderer wrote, with
two differences no client can rely on the other way: the text is compact
(no space after ``:`` and ``,``), and NaN or infinity becomes ``null``
(Python's ``NaN`` is not JSON). Times may be handed over as datetimes: a
naive one is UTC, as every stored time is, and is written with a ``Z``
like :func:`.api.serialize.iso` writes it.
"""

from __future__ import annotations

import json

import orjson
from pyramid.renderers import JSON

# Dictionary keys that are not strings (an int) are written as strings, as
# json.dumps writes them.
OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_NAIVE_UTC | orjson.OPT_UTC_Z


def _serializer(value, default=None, **_ignored) -> bytes:
    # ``default`` is Pyramid's: __json__ and adapters for what orjson does not know.
    return orjson.dumps(value, default=default, option=OPTIONS)


def renderer() -> JSON:
    """Pyramid's JSON renderer around orjson: ``__json__`` and adapters work as before."""
    return JSON(serializer=_serializer)


def loads(text):
    """A JSON column's text as Python values.

    Rows written by the standard library's encoder (SQLAlchemy's default
    serializer) may hold ``NaN`` or ``Infinity``, which orjson refuses as
    not JSON: those are read by the standard library, as they were written.
    """
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def includeme(config) -> None:
    config.add_renderer("json", renderer())
