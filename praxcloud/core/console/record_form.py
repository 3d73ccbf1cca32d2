"""The record form: what staff typed, checked field by field before anything is saved.

The rules and their messages are the records service's (``record_rules``),
the same the API answers, so the console and the API accept the same records.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .. import json_numbers, record_rules
from .common import form_text, sentence

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
    """The typed form checked by the records service's rules, plus what only a form has.

    Only the free fields come as text here (JSON the person writes); every
    rule about the values is ``record_rules``', the same the API applies.
    """
    data = {key: form_text(post, key) for key in FORM_KEYS}
    form = RecordForm(data)
    fields_errors: dict[str, str] = {}
    typed = {key: data[key] for key in FORM_KEYS if key != "fields"}
    typed["fields"] = _fields(data["fields"].strip(), fields_errors)
    values, problems = record_rules.clean(typed, creating=True)
    form.values.update(values)
    form.errors.update({key: sentence(message) for key, message in problems.items()})
    # The JSON itself could not be read: that says more than any rule on its content.
    form.errors.update(fields_errors)
    return form


def _fields(text: str, errors: dict):
    """The free fields as written (any JSON value); the rules on their content are the service's."""
    if not text:
        return {}
    try:
        return json_numbers.loads(text)
    except RecursionError:
        errors["fields"] = "This JSON is nested too deeply."
    except ValueError as exc:
        line, column = getattr(exc, "lineno", None), getattr(exc, "colno", None)
        where = f" (line {line}, column {column})" if line else ""
        errors["fields"] = f"This is not valid JSON{where}."
    return {}
