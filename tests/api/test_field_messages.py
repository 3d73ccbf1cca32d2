"""API field messages in words: each kind of schema rule, with its limit, never the input.

jsonschema's own texts (``'not-an-email' is not a 'email'``, a regular
expression, a 600-character value echoed back) are translated by
``schema_messages``; the core's bodies, the plugins' bodies
(``schemas.check``) and plugin settings all go through it.
"""

from __future__ import annotations

import pytest

from praxcloud.core.api.schemas import SCHEMAS, check, validate
from praxcloud.core.errors import ApiError
from praxcloud.core.schema_messages import FORMAT_WORDS, PATTERN_MESSAGE
from tests.api.conftest import login

LONG = "x" * 600

# (kind, schema of the field "f", a value that breaks it, the message)
KINDS = [
    ("type string", {"type": "string"}, 5, "must be text"),
    ("type integer", {"type": "integer"}, "5", "must be a whole number"),
    ("type number", {"type": "number"}, "5", "must be a number"),
    ("type boolean", {"type": "boolean"}, "yes", "must be true or false"),
    ("type array", {"type": "array"}, "a", "must be a list"),
    ("type object", {"type": "object"}, "a", "must be an object"),
    ("type null", {"type": "null"}, "a", "must be null"),
    ("type several", {"type": ["string", "integer", "null"]}, [LONG],
     "must be text, a whole number or null"),
    ("format email", {"type": "string", "format": "email"}, "not-an-email",
     "enter an e-mail address like name@example.org"),
    ("format date", {"type": "string", "format": "date"}, "2024-02-30",
     "enter the date as YYYY-MM-DD, for example 1984-03-21"),
    ("format date-time", {"type": "string", "format": "date-time"}, "yesterday",
     "enter a date and time like 2024-03-21T14:30:00Z"),
    ("format uuid", {"type": "string", "format": "uuid"}, LONG,
     "enter a UUID like 123e4567-e89b-12d3-a456-426614174000"),
    ("format ipv4", {"type": "string", "format": "ipv4"}, LONG,
     "enter an IPv4 address like 192.0.2.1"),
    ("maxLength", {"type": "string", "maxLength": 254}, LONG, "use at most 254 characters"),
    ("maxLength 1", {"type": "string", "maxLength": 1}, "ab", "use at most 1 character"),
    ("minLength 1", {"type": "string", "minLength": 1}, "", "must not be empty"),
    ("minLength", {"type": "string", "minLength": 8}, "short", "use at least 8 characters"),
    ("pattern in words", {"type": "string", "pattern": "^[0-9]+$",
                          PATTERN_MESSAGE: "use digits only"}, LONG, "use digits only"),
    ("pattern without words", {"type": "string", "pattern": "^[0-9]+$"}, LONG,
     "is not in the form expected here"),
    ("enum", {"enum": ["totp", "webauthn"]}, LONG, "must be one of: totp, webauthn"),
    ("const", {"const": "yes"}, LONG, "must be yes"),
    ("minimum", {"type": "integer", "minimum": 1}, 0, "must be at least 1"),
    ("maximum", {"type": "integer", "maximum": 200}, 10**6, "must be at most 200"),
    ("exclusiveMinimum", {"type": "number", "exclusiveMinimum": 0}, 0, "must be more than 0"),
    ("exclusiveMaximum", {"type": "number", "exclusiveMaximum": 1.5}, 2,
     "must be less than 1.5"),
    ("multipleOf", {"type": "integer", "multipleOf": 5}, 7, "must be a multiple of 5"),
    ("maxItems", {"type": "array", "maxItems": 2}, [1, 2, 3], "use at most 2 items"),
    ("minItems", {"type": "array", "minItems": 1}, [], "use at least 1 item"),
    ("uniqueItems", {"type": "array", "uniqueItems": True}, [LONG, LONG],
     "list each item only once"),
    ("maxProperties", {"type": "object", "maxProperties": 1}, {"a": 1, "b": 2},
     "use at most 1 field"),
    ("minProperties", {"type": "object", "minProperties": 2}, {"a": 1},
     "use at least 2 fields"),
    ("propertyNames", {"type": "object", "propertyNames": {"maxLength": 10}}, {LONG: 1},
     "field names: use at most 10 characters"),
    ("oneOf", {"oneOf": [{"type": "string"}, {"type": "integer"}]}, [LONG],
     "does not match any of the forms accepted here"),
    ("anyOf", {"anyOf": [{"type": "string"}, {"type": "integer"}]}, [LONG],
     "does not match any of the forms accepted here"),
    ("not", {"not": {"type": "string"}}, LONG, "is not allowed here"),
    ("anything else", {"type": "object", "dependentRequired": {"a": ["b"]}}, {"a": LONG},
     "is not valid here"),
]


def refused(schema: dict, body: dict) -> dict[str, str]:
    with pytest.raises(ApiError) as caught:
        check(schema, body)
    assert caught.value.status == 422
    return caught.value.fields


@pytest.mark.parametrize(("kind", "field", "value", "message"), KINDS,
                         ids=[kind for kind, *_ in KINDS])
def test_every_kind_of_rule_reads_as_words(kind, field, value, message):
    schema = {"type": "object", "properties": {"f": field}}
    assert refused(schema, {"f": value}) == {"f": message}
    assert LONG not in message and "'" not in message and "^" not in message


def test_required_and_unknown_fields_are_named():
    schema = {"type": "object", "required": ["a"], "additionalProperties": False,
              "properties": {"a": {"type": "string"},
                             "nested": {"type": "object", "required": ["b"],
                                        "additionalProperties": False, "properties": {}}}}
    assert refused(schema, {"x": 1, "nested": {"y": 2}}) == {
        "a": "this field is required", "x": "unknown field", "nested.b": "this field is required",
        "nested.y": "unknown field"}


def test_a_long_key_sent_by_the_client_is_cut_short():
    schema = {"type": "object", "additionalProperties": False, "properties": {}}
    fields = refused(schema, {LONG: 1})
    assert fields == {"x" * 40 + "…": "unknown field"}


def test_every_format_and_pattern_of_the_document_has_words():
    """No body of the core's document can answer with a regular expression or a format's name."""
    def walk(schema):
        if isinstance(schema, dict):
            if "pattern" in schema:
                assert PATTERN_MESSAGE in schema, schema
            if "format" in schema:
                assert schema["format"] in FORMAT_WORDS, schema
            for value in schema.values():
                walk(value)
        elif isinstance(schema, list):
            for value in schema:
                walk(value)

    for name in ("LoginRequest", "MfaRequest", "ForgotPasswordRequest", "ResetPasswordRequest",
                 "ChangePasswordRequest", "RecordInput", "UserInput", "UserChange",
                 "ReauthRequest"):
        walk(SCHEMAS[name])
        with pytest.raises(ApiError):
            validate(name, {"unknown": 1})


def test_the_api_answers_in_words(testapp, tenant, registry):
    admin = login(testapp, "acme", "admin@acme.test")
    users = "/api/v1/acme/users"
    answer = testapp.post_json(users, {"email": "not-an-email", "groups": ["staff"]},
                               headers=admin, status=422)
    assert answer.json["error"]["fields"] == {
        "email": "enter an e-mail address like name@example.org"}
    answer = testapp.post_json(users, {"email": LONG + "@acme.test", "groups": ["staff"],
                                       "display_name": 7, LONG: True},
                               headers=admin, status=422)
    assert answer.json["error"]["fields"] == {
        "email": "use at most 254 characters", "display_name": "must be text",
        "x" * 40 + "…": "unknown field"}
    assert LONG not in answer.text
    answer = testapp.post_json("/api/v1/acme/records", {"name": "Ann", "phone": "call me"},
                               headers=admin, status=422)
    assert answer.json["error"]["fields"] == {
        "phone": "use digits, spaces and + ( ) - . only, at least 3 characters"}
    answer = testapp.get("/api/v1/acme/records", {"per_page": "x"}, headers=admin, status=400)
    assert "'" not in answer.text
