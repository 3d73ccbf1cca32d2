"""What a record may hold: one set of rules and messages for the console, the API and the CLI.

The records service applies them to every create and update, whoever
calls it; the console shows the messages as sentences, the API answers them
as field messages (over the schema's more general words for the same
field), so a value is refused in the same words wherever it is typed.

Limits come from the API's ``RecordInput`` schema, which publishes them.
"""

from __future__ import annotations

import datetime as dt
import re

from . import json_numbers
from .api.schemas import SCHEMAS
from .models import utcnow
from .schema_messages import key_name
from .text_rules import has_control_chars

_RULES = SCHEMAS["RecordInput"]["properties"]
MAX_NAME = _RULES["name"]["maxLength"]
MAX_EMAIL = _RULES["email"]["maxLength"]
MAX_PHONE = _RULES["phone"]["maxLength"]
PHONE_PATTERN = re.compile(_RULES["phone"]["pattern"])
MAX_NOTES = _RULES["notes"]["maxLength"]
MAX_FIELDS = _RULES["fields"]["maxProperties"]
MAX_FIELD_NAME = _RULES["fields"]["propertyNames"]["maxLength"]
MAX_FIELD_VALUE = _RULES["fields"]["additionalProperties"]["maxLength"]
# One "@", something before it, a dot in the domain, no spaces: what a person can mistype.
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
OLDEST_BIRTH_YEAR = 1900  # catches typos like 0198; nobody alive was born earlier
# Somewhere on Earth (UTC+14) it is already this late: a child born there
# today is not "in the future" for a server on UTC.
LATEST_OFFSET = dt.timedelta(hours=14)

NAME_REQUIRED = "enter the person's name"
CONTROL_CHARS = "remove the invisible control characters from this field"
BAD_EMAIL = "enter an e-mail address like name@example.org"
BAD_PHONE = _RULES["phone"]["x-pattern-message"]
BAD_DATE = "enter the date as YYYY-MM-DD, for example 1984-03-21"
NO_SUCH_DATE = "this date does not exist"
FUTURE_BIRTH = "a date of birth cannot be in the future"
TOO_OLD = f"enter a year from {OLDEST_BIRTH_YEAR} on"
NOT_TEXT = "must be text"
FIELD_SCALAR = "values must be text, numbers, true, false or null"


def too_long(limit: int) -> str:
    return f"use at most {limit} characters"


def clean(values: dict, creating: bool) -> tuple[dict, dict[str, str]]:
    """The editable values of ``values`` made ready to store, and a message per bad field.

    Only the keys present are checked (an update may send one field); a new
    record needs a name.
    """
    cleaned: dict = {}
    problems: dict[str, str] = {}
    if creating and "name" not in values:
        problems["name"] = NAME_REQUIRED
    for key, check in _CHECKS.items():
        if key in values:
            value, problem = check(values[key])
            cleaned[key] = value
            if problem:
                problems[key] = problem
    return cleaned, problems


def _text(value, limit: int) -> tuple[str | None, str | None]:
    """Stripped text and the first problem with it: control characters, then length."""
    if not isinstance(value, str):
        return None, NOT_TEXT
    # Blanks around the text are trimmed anyway; a tab there is no hidden character.
    value = value.strip()
    if has_control_chars(value):
        # The most precise complaint wins: "use digits only" would puzzle
        # someone who cannot see the stray character.
        return None, CONTROL_CHARS
    if len(value) > limit:
        return None, too_long(limit)
    return value, None


def _name(value):
    if value is None:
        return None, NAME_REQUIRED
    text, problem = _text(value, MAX_NAME)
    if problem is None and not text:
        problem = NAME_REQUIRED
    return text, problem


def _email(value):
    if value is None:
        return None, None
    text, problem = _text(value, MAX_EMAIL)
    if problem is None and text and not EMAIL_PATTERN.match(text):
        problem = BAD_EMAIL
    return text or None, problem


def _phone(value):
    if value is None:
        return None, None
    text, problem = _text(value, MAX_PHONE)
    if problem is None and text and not PHONE_PATTERN.match(text):
        problem = BAD_PHONE
    return text or None, problem


def _date_of_birth(value):
    if value is None:
        return None, None
    if isinstance(value, str):
        text = value.strip()
        if has_control_chars(text):
            return None, CONTROL_CHARS
        if not text:
            return None, None
        # fromisoformat alone would also take "20200101" and week dates.
        if not ISO_DATE.match(text):
            return None, BAD_DATE
        try:
            value = dt.date.fromisoformat(text)
        except ValueError:
            return None, NO_SUCH_DATE
    elif not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        return None, BAD_DATE
    if value > (utcnow() + LATEST_OFFSET).date():
        return value, FUTURE_BIRTH
    if value.year < OLDEST_BIRTH_YEAR:
        return value, TOO_OLD
    return value, None


def _notes(value):
    if value is None:
        return "", None
    if not isinstance(value, str):
        return value, NOT_TEXT
    notes = value.replace("\r\n", "\n")
    if has_control_chars(notes, allow_newlines=True):
        return notes, CONTROL_CHARS
    if len(notes) > MAX_NOTES:
        return notes, too_long(MAX_NOTES)
    return notes, None


def _fields(value):
    if value is None:
        return {}, None
    if not isinstance(value, dict):
        return {}, 'write a JSON object, for example {"school": "North", "class": "4b"}'
    if len(value) > MAX_FIELDS:
        return value, f"use at most {MAX_FIELDS} fields"
    for key, item in value.items():
        name = key_name(key)
        if not isinstance(key, str) or not key or len(key) > MAX_FIELD_NAME:
            return value, f"field names: use 1 to {MAX_FIELD_NAME} characters"
        if has_control_chars(key) or isinstance(item, str) and has_control_chars(item, True):
            return value, f"“{name}”: {CONTROL_CHARS}"
        if isinstance(item, str) and len(item) > MAX_FIELD_VALUE:
            return value, f"“{name}”: {too_long(MAX_FIELD_VALUE)}"
        problem = json_numbers.problem(item)
        if problem:
            return value, f"“{name}”: {problem}"
        if not (item is None or isinstance(item, str | int | float | bool)):
            return value, f"“{name}”: {FIELD_SCALAR}"
    return value, None


_CHECKS = {"name": _name, "email": _email, "phone": _phone, "date_of_birth": _date_of_birth,
           "notes": _notes, "fields": _fields}
