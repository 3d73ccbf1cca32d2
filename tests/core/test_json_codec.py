"""The orjson renderer and column reader (``core.json_codec``), and the record's API keys."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from pyramid.config import Configurator
from webtest import TestApp

from praxcloud.core import json_codec
from praxcloud.core.api.serialize import RECORD_KEYS, iso, record_json
from praxcloud.core.models import Record

UTC = dt.UTC


class Thing:
    def __json__(self, request):
        return {"thing": request.path}


def _render(value) -> TestApp:
    with Configurator() as config:
        config.include("praxcloud.core.json_codec")
        config.add_route("value", "/value")
        config.add_view(lambda request: value, route_name="value", renderer="json")
        app = config.make_wsgi_app()
    return TestApp(app).get("/value")


def test_times_are_written_as_iso_with_z_like_iso():
    naive = dt.datetime(2026, 12, 6, 23, 59, 1, 250)
    whole = dt.datetime(2026, 12, 6, 23, 59, 1)
    aware = dt.datetime(2026, 12, 6, 23, 59, 1, 250, tzinfo=UTC)
    amsterdam = dt.datetime(2026, 12, 6, 23, 59, 1, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    response = _render({"naive": naive, "whole": whole, "aware": aware, "cet": amsterdam,
                        "born": dt.date(1984, 2, 29)})
    assert response.content_type == "application/json"
    assert response.json == {"naive": iso(naive), "whole": iso(whole), "aware": iso(aware),
                             "cet": iso(amsterdam), "born": "1984-02-29"}
    assert response.json["naive"] == "2026-12-06T23:59:01.000250Z"
    assert response.json["whole"] == "2026-12-06T23:59:01Z"


def test_what_json_dumps_wrote_is_written_the_same():
    value = {"text": "Zoë \u2028 \"quoted\" </script>", "n": [1, 2.5, None, True], 7: "int key",
             "nested": {"a": [{"b": []}]}}
    response = _render(value)
    assert response.json == json.loads(json.dumps(value))
    # Not JSON in any reader but Python's: written as null.
    assert _render({"x": float("nan")}).json == {"x": None}


def test_objects_with_json_method_are_rendered_with_the_request():
    assert _render({"inner": Thing()}).json == {"inner": {"thing": "/value"}}


def test_what_cannot_be_written_fails_loudly():
    with pytest.raises(TypeError, match="object"):
        _render({"x": object()})


def test_loads_reads_what_the_standard_library_wrote():
    assert json_codec.loads('{"a": [1, 2.5, "x"]}') == {"a": [1, 2.5, "x"]}
    # NaN is not JSON, but json.dumps writes it: such rows still read.
    value = json_codec.loads(json.dumps({"x": float("nan"), "y": float("inf")}))
    assert value["x"] != value["x"] and value["y"] == float("inf")


def test_the_api_keys_are_the_records_columns():
    # A new column on records is not shown by the API until someone decides it is;
    # the field layer's own (an encrypted name's word index) never is.
    from praxcloud.core.records import INTERNAL_COLUMNS

    assert INTERNAL_COLUMNS == {"name_tokens"}
    assert tuple(key for key in Record.__table__.c.keys()
                 if key not in INTERNAL_COLUMNS) == RECORD_KEYS


def test_record_json_from_an_object_and_from_a_row_agree():
    class Row(tuple):
        _fields = RECORD_KEYS

    created = dt.datetime(2026, 1, 2, 3, 4, 5)
    values = (1, "Jane", None, None, None, None, None, created, created, created, None)
    as_object = type("R", (), dict(zip(RECORD_KEYS, values, strict=True)))()
    assert record_json(Row(values)) == record_json(as_object)
    assert record_json(Row(values))["notes"] == "" and record_json(Row(values))["fields"] == {}
