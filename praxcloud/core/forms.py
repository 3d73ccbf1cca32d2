"""What both consoles (tenant staff and platform operators) share about forms."""

from __future__ import annotations

# A form that comes back with messages: understood but not valid.
FORM_INVALID = 422


def sentence(text: str) -> str:
    """A service's lower-case message (``"use at least 8 characters."``) as a sentence."""
    text = (text or "").strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."
