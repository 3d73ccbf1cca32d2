"""Rules about text that every form and service shares."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_OR_NEWLINE = re.compile(r"[\x00-\x1f\x7f]")


def has_control_chars(text: str, allow_newlines: bool = False) -> bool:
    """Invisible control characters, which no name or address contains.

    PostgreSQL cannot even store NUL, so letting one through would be a 500.
    """
    return bool((_CONTROL if allow_newlines else _CONTROL_OR_NEWLINE).search(text))
