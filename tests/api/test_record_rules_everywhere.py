"""One set of record rules: every rule of the console's record form, sent through the API too.

The console refused a date of birth in the future while ``POST /records``
stored ``2099-01-01``. The rules now live in the records service
(``record_rules``); each case here is typed into the console form and sent
to the API (create and change), and must be refused with the same message
in both, with nothing stored.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from praxcloud.core import records
from praxcloud.core.forms import sentence
from praxcloud.core.json_numbers import loads
from praxcloud.core.models import Record
from praxcloud.core.scripting import tenant_request
from tests.api.conftest import add_records, count, login
from tests.console.conftest import field_error
from tests.console.conftest import login as console_login
from tests.console.test_console_records import INVALID_INPUTS, fill

R = "/api/v1/acme/records"
TYPED = {"name": "Grace Hopper", "email": "grace@example.org", "phone": "555 0100",
         "date_of_birth": "1906-12-09", "notes": "Keep this note", "fields": '{"k": "v"}'}
CONTROL = "Remove the invisible control characters from this field."
MORE_RULES = [
    *[({key: f"Ann\x01{key}"}, key, CONTROL) for key in ("name", "email", "phone", "notes")],
    ({"date_of_birth": "1980-01-0\x02"}, "date_of_birth", CONTROL),
    ({"name": "   "}, "name", "Enter the person's name."),
    ({"notes": "x" * 20001}, "notes", "Use at most 20000 characters."),
    ({"email": "e" * 250 + "@x.org"}, "email", "Use at most 254 characters."),
    ({"phone": "1" * 41}, "phone", "Use at most 40 characters."),
    ({"fields": json.dumps({f"f{i}": i for i in range(101)})}, "fields",
     "Use at most 100 fields."),
    ({"fields": json.dumps({"k": "v" * 2001})}, "fields", "“k”: use at most 2000 characters."),
    ({"fields": json.dumps({"": 1})}, "fields", "Field names: use 1 to 100 characters."),
    ({"fields": json.dumps({"k" * 101: 1})}, "fields", "Field names: use 1 to 100 characters."),
    ({"fields": '{"k": [1]}'}, "fields",
     "“k”: values must be text, numbers, true, false or null."),
    ({"fields": '{"k": "a\\u0001b"}'}, "fields",
     "“k”: remove the invisible control characters from this field."),
]
RULES = INVALID_INPUTS + MORE_RULES


def api_value(key: str, typed: str):
    """What an API client sends for what was typed in the form (None: no JSON equivalent)."""
    if key != "fields":
        return typed
    try:
        return loads(typed)
    except (ValueError, RecursionError):
        return None  # a JSON syntax error of the form: the API's is a 400 for the whole body


def test_every_console_rule_is_the_apis_too_in_the_same_words(testapp, tenant, registry):
    console_login(testapp, "staff@acme.test")
    headers = login(testapp, "acme", "staff@acme.test")
    [kept] = add_records(registry, "acme", ["Kept As Is"])
    checked = 0
    for bad, field, message in RULES:
        typed = {**TYPED, **bad}
        form = fill(testapp.get("/acme/records/new").forms["record-form"], **typed)
        assert field_error(form.submit(status=422), field) == message, bad
        value = api_value(field, bad[field])
        if value is None:
            continue
        body = {**{k: api_value(k, v) for k, v in TYPED.items()}, field: value}
        for answer in (testapp.post_json(R, body, headers=headers, status=422),
                       testapp.patch_json(f"{R}/{kept}", {field: value}, headers=headers,
                                          status=422)):
            fields = answer.json["error"]["fields"]
            assert sentence(fields.get(field, "")) == message, (bad, fields)
        checked += 1
    assert checked == len(RULES) - 3  # the three JSON syntax cases are the form's own
    assert count(registry, "acme", Record) == 1
    with tenant_request(registry, "acme") as request:
        assert request.tenant_db.get(Record, kept).name == "Kept As Is"


def test_the_api_refuses_a_future_date_of_birth(testapp, tenant, registry):
    headers = login(testapp, "acme", "staff@acme.test")
    answer = testapp.post_json(R, {"name": "Not Born Yet", "date_of_birth": "2099-01-01"},
                               headers=headers, status=422)
    assert answer.json["error"]["fields"] == {
        "date_of_birth": "a date of birth cannot be in the future"}
    # Born today, wherever on Earth that is, is not the future.
    today = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=12)).date().isoformat()
    testapp.post_json(R, {"name": "Newborn", "date_of_birth": today}, headers=headers,
                      status=201)
    assert count(registry, "acme", Record) == 1


def test_the_service_refuses_for_every_caller(testapp, tenant, registry):
    """The CLI and plugins call the service without a form or a schema: the rules still hold."""
    with tenant_request(registry, "acme") as request:
        for values, field in (({"name": "A", "date_of_birth": dt.date(2999, 1, 1)},
                               "date_of_birth"),
                              ({"name": "A", "fields": {"n": float("inf")}}, "fields"),
                              ({"name": "A", "fields": {"n": 2**70}}, "fields"),
                              ({"name": "A\x00B"}, "name"), ({"email": "a@b"}, "name")):
            with pytest.raises(records.RecordInvalid) as refused:
                records.create(request.tenant_db, values)
            assert field in refused.value.fields, values
    assert count(registry, "acme", Record) == 0
