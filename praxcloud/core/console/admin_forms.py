"""Small form helpers shared by the tenant administrators' pages.

Plain Pyramid forms: each view reads ``request.POST`` itself, collects
``errors`` as ``{field: message}`` and, when there are any, re-renders the
form with status ``common.FORM_INVALID`` keeping what was typed (never a
password).
"""

from __future__ import annotations

from dataclasses import dataclass

from .common import FORM_INVALID

PER_PAGE = 50


def page_number(request) -> int:
    """The ``page`` query parameter; nonsense means the first page, not an error page."""
    raw = request.GET.get("page", "")
    if raw.isdigit() and 0 < len(raw) <= 7:
        return max(1, int(raw))
    return 1


def bounded_int(raw: str, low: int, high: int) -> tuple[int | None, str | None]:
    """``(value, None)`` or ``(None, message)`` for a whole number typed in a form."""
    text = (raw or "").strip()
    try:
        value = int(text)
    except ValueError:
        return None, "Enter a whole number."
    if not low <= value <= high:
        return None, f"Enter a number from {low} to {high}."
    return value, None


def lines(raw: str) -> list[str]:
    """The non-empty, stripped lines of a textarea, duplicates dropped, order kept."""
    seen: dict[str, None] = {}
    for line in (raw or "").splitlines():
        line = line.strip()
        if line:
            seen.setdefault(line, None)
    return list(seen)


def invalid(request, values: dict) -> dict:
    """Answer a form with errors: the same page again with the messages, status 422."""
    request.response.status = FORM_INVALID
    return values


@dataclass
class Pager:
    page: int
    total: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages
