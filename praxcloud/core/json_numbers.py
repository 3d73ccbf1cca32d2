"""JSON text read with numbers every database can store.

Python's ``json`` reads ``1e999999`` as infinity and ``-1e999999`` as minus
infinity (RFC 8259 sets no limit, but no database stores them: PostgreSQL's
``json`` refuses ``Infinity`` with a 500 for the client), and reads a
whole number of any length (a bigint column takes 19 digits). NaN and
Infinity written as words are not JSON at all.

:func:`loads` leaves each number that cannot be stored in place as an
:class:`OutOfRange`, so that whoever walks the result can name the field it
is in and answer 422; :func:`problem` says what is wrong with a value.
"""

from __future__ import annotations

import json
import math

# A signed 64-bit integer: the widest integer column of PostgreSQL and SQLite.
MAX_INTEGER = 2**63 - 1
FLOAT_TOO_LARGE = "this number is too large; use a finite number (at most about 1.8e308)"
INTEGER_TOO_LARGE = (f"this whole number is too large; use one from -{MAX_INTEGER} "
                     f"to {MAX_INTEGER}")


class OutOfRange:
    """A number as the client wrote it, that no column can hold."""

    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason

    def __repr__(self) -> str:
        return f"OutOfRange({self.reason!r})"


def _refuse_constant(name: str):
    # NaN and Infinity are Python's extension, not JSON (RFC 8259).
    raise ValueError(f"{name} is not allowed in JSON")


def _float(text: str):
    value = float(text)
    return value if math.isfinite(value) else OutOfRange(FLOAT_TOO_LARGE)


def _int(text: str):
    # The length first: int() of a 5000-digit text is slow, then refused (CVE-2020-10735).
    digits = text.lstrip("-")
    if len(digits) > len(str(MAX_INTEGER)) or abs(int(text)) > MAX_INTEGER:
        return OutOfRange(INTEGER_TOO_LARGE)
    return int(text)


def loads(text: str):
    """``json.loads``, NaN/Infinity refused, unstorable numbers marked; ValueError if not JSON."""
    return json.loads(text, parse_constant=_refuse_constant, parse_float=_float,
                      parse_int=_int)


def problem(value) -> str | None:
    """Why a number (as read by :func:`loads`, or made in Python) cannot be stored, or None."""
    if isinstance(value, OutOfRange):
        return value.reason
    if isinstance(value, float) and not math.isfinite(value):
        return FLOAT_TOO_LARGE
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INTEGER:
        return INTEGER_TOO_LARGE
    return None
