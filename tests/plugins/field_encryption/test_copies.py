"""A tenant prepared as a copy of an encrypting tenant reads the rows copied from it.

What ``backup restore --into`` relies on (tests/plugins/backup/ test it with a
real backup): ``prepare_restored_copy`` then the source's rows, byte for byte.
Here the rows are copied table by table, so a copy of a copy is cheap to test.
"""

from __future__ import annotations

from sqlalchemy import insert, select

from praxcloud.core import records
from praxcloud.plugin import Record, User, prepare_restored_copy
from praxcloud.testing import api_login, bearer


def engine_of(registry, slug: str):
    with registry.tenancy.platform_session() as platform_db:
        return registry.tenancy.engine_for(registry.tenancy.find(platform_db, slug))


def clone_rows(registry, source: str, copy: str) -> None:
    """The source's users and records into the copy as stored: no codec on the way."""
    with engine_of(registry, source).begin() as reading, \
            engine_of(registry, copy).begin() as writing:
        for table in (User.__table__, Record.__table__):
            rows = [dict(row) for row in reading.execute(select(table)).mappings()]
            writing.execute(insert(table), rows)


def readable(tenant_request, slug: str) -> tuple[list, list]:
    with tenant_request(slug) as request:
        db = request.tenant_db
        return ([(r.id, r.name, r.email, r.phone, r.notes)
                 for r in db.scalars(select(Record).order_by(Record.id))],
                [(u.id, u.email, u.display_name)
                 for u in db.scalars(select(User).order_by(User.id))])


def test_a_copy_and_a_copy_of_the_copy_read_the_source_values(
        registry, encrypted, make_tenant, tenant_request, testapp):
    encrypted()
    source = readable(tenant_request, "acme")
    assert [person[2] for person in source[0]] == ["anna@example.org", "bram@example.org"]
    make_tenant("copy")
    done = prepare_restored_copy(registry, "acme", "copy")
    clone_rows(registry, "acme", "copy")
    make_tenant("copy2")
    prepare_restored_copy(registry, "copy", "copy2")
    clone_rows(registry, "copy", "copy2")

    tenancy = registry.tenancy
    with tenancy.platform_session() as platform_db:
        origins = {slug: (tenancy.find(platform_db, slug).id,
                          tenancy.find(platform_db, slug).data_origin)
                   for slug in ("acme", "copy", "copy2")}
    assert origins["copy"][1] == origins["copy2"][1] == origins["acme"][0] == done["origin"]
    assert done["codec_keys"] == 2  # the e-mail's blind index, the name's word index

    for slug in ("copy", "copy2"):
        assert readable(tenant_request, slug) == source
        token = api_login(testapp, slug, "Reader@acme.test")
        assert testapp.get(f"/api/v1/{slug}/me", headers=bearer(token)).json["email"] == \
            "reader@acme.test"
        with tenant_request(slug) as request:
            found = records.search(request.tenant_db, "o'brien", 1, 10).items
            assert [record.name for record in found] == ["Bram O'Brien"]
