"""What a search box means in SQL: the user's text as a literal ``ilike`` pattern."""

from __future__ import annotations


def like_pattern(text: str) -> str:
    """``%text%`` for ``ilike(..., escape="\\\\")`` with the user's wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
