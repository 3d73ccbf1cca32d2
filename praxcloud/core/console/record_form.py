"""The record form: what staff typed, checked field by field before anything is saved.

Limits come from the API's ``RecordInput`` schema so that the console and
the API accept the same records.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from ..api.schemas import SCHEMAS
from .common import form_text, has_control_chars

_RULES = SCHEMAS["RecordInput"]["properties"]
MAX_NAME = _RULES["name"]["maxLength"]
MAX_EMAIL = _RULES["email"]["maxLength"]
MAX_PHONE = _RULES["phone"]["maxLength"]
PHONE_PATTERN = re.compile(_RULES["phone"]["pattern"])
MAX_NOTES = _RULES["notes"]["maxLength"]
MAX_FIELDS = _RULES["fields"]["maxProperties"]
# One "@", something before it, a dot in the domain, no spaces: what a person can mistype.
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
OLDEST_BIRTH_YEAR = 1900  # catches typos like 0198; nobody alive was born earlier
FORM_KEYS = ("name", "email", "phone", "date_of_birth", "notes", "fields")


@dataclass
class RecordForm:
    data: dict[str, str]  # exactly what was typed, to show back
    errors: dict[str, str] = field(default_factory=dict)
    values: dict = field(default_factory=dict)  # cleaned, for records.create/update

    @property
    def valid(self) -> bool:
        return not self.errors


def from_record(record) -> RecordForm:
    """The form filled with a stored record (for the edit page)."""
    fields_text = json.dumps(record.fields, indent=2, ensure_ascii=False) if record.fields else ""
    return RecordForm({
        "name": record.name, "email": record.email or "", "phone": record.phone or "",
        "date_of_birth": record.date_of_birth.isoformat() if record.date_of_birth else "",
        "notes": record.notes or "", "fields": fields_text,
    })


def empty() -> RecordForm:
    return RecordForm({key: "" for key in FORM_KEYS})


def parse(post) -> RecordForm:
    data = {key: form_text(post, key) for key in FORM_KEYS}
    form = RecordForm(data)
    errors, values = form.errors, form.values

    name = data["name"].strip()
    if not name:
        errors["name"] = "Enter the person's name."
    elif len(name) > MAX_NAME:
        errors["name"] = f"Use at most {MAX_NAME} characters."
    values["name"] = name

    email = data["email"].strip()
    if len(email) > MAX_EMAIL:
        errors["email"] = f"Use at most {MAX_EMAIL} characters."
    elif email and not EMAIL_PATTERN.match(email):
        errors["email"] = "Enter an e-mail address like name@example.org."
    values["email"] = email or None

    phone = data["phone"].strip()
    if len(phone) > MAX_PHONE:
        errors["phone"] = f"Use at most {MAX_PHONE} characters."
    elif phone and not PHONE_PATTERN.match(phone):
        errors["phone"] = "Use digits, spaces and + ( ) - . only, at least 3 characters."
    values["phone"] = phone or None

    values["date_of_birth"] = _date_of_birth(data["date_of_birth"].strip(), errors)

    notes = data["notes"].replace("\r\n", "\n")
    if len(notes) > MAX_NOTES:
        errors["notes"] = f"Use at most {MAX_NOTES} characters."
    values["notes"] = notes

    values["fields"] = _fields(data["fields"].strip(), errors)
    # The most precise complaint wins: "use digits only" would puzzle someone
    # who cannot see the stray character.
    for key in ("name", "email", "phone", "date_of_birth", "notes"):
        if has_control_chars(data[key], allow_newlines=key == "notes"):
            errors[key] = "Remove the invisible control characters from this field."
    return form


def _date_of_birth(text: str, errors: dict) -> dt.date | None:
    if not text:
        return None
    if not ISO_DATE.match(text):
        errors["date_of_birth"] = "Enter the date as YYYY-MM-DD, for example 1984-03-21."
        return None
    try:
        value = dt.date.fromisoformat(text)
    except ValueError:
        errors["date_of_birth"] = "This date does not exist."
        return None
    if value > dt.date.today():
        errors["date_of_birth"] = "A date of birth cannot be in the future."
    elif value.year < OLDEST_BIRTH_YEAR:
        errors["date_of_birth"] = f"Enter a year from {OLDEST_BIRTH_YEAR} on."
    return value


def _no_constants(name: str):
    # NaN and Infinity are Python's extension, not JSON; databases refuse them.
    raise ValueError(f"{name} is not allowed in JSON")


def _fields(text: str, errors: dict) -> dict:
    if not text:
        return {}
    try:
        value = json.loads(text, parse_constant=_no_constants)
    except RecursionError:
        errors["fields"] = "This JSON is nested too deeply."
        return {}
    except ValueError as exc:
        line, column = getattr(exc, "lineno", None), getattr(exc, "colno", None)
        where = f" (line {line}, column {column})" if line else ""
        errors["fields"] = f"This is not valid JSON{where}."
        return {}
    if not isinstance(value, dict):
        errors["fields"] = 'Write a JSON object, for example {"school": "North", "class": "4b"}.'
        return {}
    if len(value) > MAX_FIELDS:
        errors["fields"] = f"Use at most {MAX_FIELDS} fields."
        return {}
    return value
