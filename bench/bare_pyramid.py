"""The floor for ``bench/request_cost.py``: a bare Pyramid app answering the same JSON.

One route per request kind, one ORM query each (the page adds its count), on a
pooled SQLite engine over the bench tenant's own database file, with
Pyramid's JSON renderer around orjson, as PraxCloud's (``json_codec``), so
that the encoder is not what the two differ in: no tenants, no sessions, no security policy, no
transaction manager, no tweens. What PraxCloud does on top of this is what
``request_cost.py`` measures against it.
"""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPNotFound
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from praxcloud.core import json_codec
from praxcloud.core.api.serialize import record_json
from praxcloud.core.models import Record


def make_bare_app(database_url: str):
    engine = create_engine(database_url)

    def one_record(request):
        with Session(engine) as session:
            record = session.get(Record, int(request.matchdict["id"]))
            if record is None:
                raise HTTPNotFound()
            return record_json(record)

    def page(request):
        per_page = int(request.params.get("per_page", 50))
        with Session(engine) as session:
            total = session.scalar(select(func.count()).select_from(Record))
            items = session.scalars(select(Record).order_by(Record.name, Record.id)
                                    .limit(per_page)).all()
            return {"items": [record_json(r) for r in items], "page": 1,
                    "per_page": per_page, "total": total}

    with Configurator() as config:
        config.add_renderer("json", json_codec.renderer())
        config.add_route("record", "/api/v1/{tenant}/records/{id}")
        config.add_route("records", "/api/v1/{tenant}/records")
        config.add_view(one_record, route_name="record", renderer="json")
        config.add_view(page, route_name="records", renderer="json")
        app = config.make_wsgi_app()
    app.engine = engine
    return app
