"""Fixtures of the field_encryption tests: an encrypting tenant, and the database read raw."""

from __future__ import annotations

import pytest
from sqlalchemy import text

NAME = "field_encryption"


def raw(registry, slug: str, sql: str, **params) -> list[dict]:
    """Rows as the database holds them, read past the ORM and its codecs."""
    with registry.tenancy.platform_session() as platform_db:
        engine = registry.tenancy.engine_for(registry.tenancy.find(platform_db, slug))
    with engine.begin() as connection:
        return [dict(row) for row in connection.execute(text(sql), params).mappings()]


def execute(registry, slug: str, sql: str, **params) -> None:
    raw_write = registry.tenancy
    with raw_write.platform_session() as platform_db:
        engine = raw_write.engine_for(raw_write.find(platform_db, slug))
    with engine.begin() as connection:
        connection.execute(text(sql), params)


@pytest.fixture
def encrypted(make_tenant, make_user, enable_plugin, api_client):
    """acme: three users and two records stored before the plugin was enabled, then enabled."""
    def make(**settings):
        make_tenant("acme", "Acme Care")
        make_user("acme", "admin@acme.test", groups=("admin",))
        make_user("acme", "staff@acme.test", groups=("staff",))
        make_user("acme", "reader@acme.test", groups=("read-only",))
        staff = api_client("acme", "staff@acme.test")
        for name, email, phone, born, insurer in (
                ("Anna de Vries", "anna@example.org", "+31 6 1234 5678", "1984-03-05",
                 "Zilveren Kruis"),
                ("Bram O'Brien", "bram@example.org", "020-555 0101", None, "VGZ Zorg")):
            staff.post_json("/api/v1/acme/records", {
                "name": name, "email": email, "phone": phone, "notes": f"notes on {name}",
                "date_of_birth": born, "fields": {"insurer": insurer}}, status=201)
        enable_plugin("acme", NAME, settings)
    return make
