"""JSON Schema errors as messages in words, one per field.

jsonschema's own messages are written for schema authors: they quote the
value (``'not-an-email' is not a 'email'``, a 600-character value echoed
back whole) and the rule (a regular expression). A client, or the person
behind it, needs to know what to send instead: each error is translated by
the kind of rule it broke, with the limit in words, and never repeats what
was sent. A field name that comes from the client (a key of a free map) is
shortened before it is used as a key of the answer.

A ``pattern`` cannot be put in words automatically; a schema gives the
words beside it as ``x-pattern-message`` (an OpenAPI extension keyword,
ignored by validators), or the field gets a general "not in the form
expected" message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from jsonschema import ValidationError

# Longer keys of the client's own (free fields, unknown fields) are cut here in answers.
MAX_KEY_IN_MESSAGE = 40
PATTERN_MESSAGE = "x-pattern-message"

TYPE_WORDS = {"string": "text", "integer": "a whole number", "number": "a number",
              "boolean": "true or false", "array": "a list", "object": "an object",
              "null": "null"}
FORMAT_WORDS = {
    "email": "enter an e-mail address like name@example.org",
    "idn-email": "enter an e-mail address like name@example.org",
    "date": "enter the date as YYYY-MM-DD, for example 1984-03-21",
    "date-time": "enter a date and time like 2024-03-21T14:30:00Z",
    "time": "enter a time like 14:30:00Z",
    "uri": "enter a full web address, starting with https://",
    "uuid": "enter a UUID like 123e4567-e89b-12d3-a456-426614174000",
    "ipv4": "enter an IPv4 address like 192.0.2.1",
    "ipv6": "enter an IPv6 address like 2001:db8::1",
    "hostname": "enter a host name like example.org",
}
REQUIRED = "this field is required"
UNKNOWN = "unknown field"


def key_name(key) -> str:
    """A key as it may appear in an answer: a long one the client sent is cut short."""
    text = str(key)
    return text if len(text) <= MAX_KEY_IN_MESSAGE else text[:MAX_KEY_IN_MESSAGE] + "…"


def path_name(path: Iterable, default: str = "body") -> str:
    return ".".join(key_name(part) for part in path) or default


def _number(value) -> str:
    # 1.0 reads as 1; a limit is the schema's, never the client's.
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _plural(count, one: str, many: str) -> str:
    return f"{_number(count)} {one if count == 1 else many}"


def _types(value) -> str:
    names = [value] if isinstance(value, str) else list(value)
    words = [TYPE_WORDS.get(name, name) for name in names]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _choices(values) -> str:
    shown = [str(value) for value in list(values)[:10]]
    more = ", …" if len(values) > 10 else ""
    return ", ".join(shown) + more


def message(error: ValidationError) -> str:
    """What was wrong, in words, without the value that was sent."""
    kind, limit, schema = error.validator, error.validator_value, error.schema
    if kind == "type":
        return f"must be {_types(limit)}"
    if kind == "format":
        return FORMAT_WORDS.get(limit, f"must be a valid {limit}")
    if kind == "pattern":
        return (schema.get(PATTERN_MESSAGE) if isinstance(schema, dict) else None) or \
            "is not in the form expected here"
    if kind == "maxLength":
        return f"use at most {_plural(limit, 'character', 'characters')}"
    if kind == "minLength":
        return "must not be empty" if limit == 1 else \
            f"use at least {_plural(limit, 'character', 'characters')}"
    if kind == "enum":
        return f"must be one of: {_choices(limit)}"
    if kind == "const":
        return f"must be {_choices([limit])}"
    if kind == "minimum":
        return f"must be at least {_number(limit)}"
    if kind == "maximum":
        return f"must be at most {_number(limit)}"
    if kind == "exclusiveMinimum":
        return f"must be more than {_number(limit)}"
    if kind == "exclusiveMaximum":
        return f"must be less than {_number(limit)}"
    if kind == "multipleOf":
        return f"must be a multiple of {_number(limit)}"
    if kind == "maxItems":
        return f"use at most {_plural(limit, 'item', 'items')}"
    if kind == "minItems":
        return f"use at least {_plural(limit, 'item', 'items')}"
    if kind == "uniqueItems":
        return "list each item only once"
    if kind == "maxProperties":
        return f"use at most {_plural(limit, 'field', 'fields')}"
    if kind == "minProperties":
        return f"use at least {_plural(limit, 'field', 'fields')}"
    if kind in ("oneOf", "anyOf"):
        return "does not match any of the forms accepted here"
    if kind == "not":
        return "is not allowed here"
    if kind == "required":
        return REQUIRED
    if kind in ("additionalProperties", "unevaluatedProperties"):
        return UNKNOWN
    return "is not valid here"


def _unknown_keys(error: ValidationError) -> list[str]:
    known = set(error.schema.get("properties", {}))
    patterns = [re.compile(p) for p in error.schema.get("patternProperties", {})]
    return [key for key in error.instance
            if key not in known and not any(p.search(key) for p in patterns)]


def field_messages(errors: Iterable[ValidationError], *, required: str = REQUIRED,
                   unknown: str = UNKNOWN, whole: str = "body") -> dict[str, str]:
    """One message per field (the first error of each), by dotted path."""
    fields: dict[str, str] = {}
    for error in sorted(errors, key=lambda e: [str(p) for p in e.path]):
        where = list(error.path)
        if error.validator in ("additionalProperties", "unevaluatedProperties") \
                and isinstance(error.instance, dict) and error.validator_value is False:
            for key in sorted(_unknown_keys(error)):
                fields.setdefault(path_name([*where, key]), unknown)
            continue
        if error.validator == "required" and isinstance(error.instance, dict):
            for key in error.validator_value:
                if key not in error.instance:
                    fields.setdefault(path_name([*where, key]), required)
            continue
        text = message(error)
        if "propertyNames" in error.schema_path:
            # The error is about a key, reported at the object that holds it.
            text = f"field names: {text}"
        fields.setdefault(path_name(where, whole), text)
    return fields
