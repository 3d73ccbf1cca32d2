"""Bound values never reach a log line or an error message (requirement P8).

A failing statement's error, and SQL echo, show the statement with its
placeholders only: the values are personal data, ciphertext or hashes.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

SECRET = "anna.secret@example.org"


def test_platform_and_tenant_engines_hide_bound_values(registry, make_tenant, caplog):
    make_tenant("acme")
    with registry.tenancy.platform_session() as platform_db:
        tenant_engine = registry.tenancy.engine_for(registry.tenancy.find(platform_db, "acme"))
    for engine in (registry.tenancy.platform_engine, tenant_engine):
        assert engine.hide_parameters
    with tenant_engine.begin() as connection:
        connection.execute(text("INSERT INTO groups (name, description, permissions) "
                                "VALUES ('g', :d, '[]')"), {"d": SECRET})
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    tenant_engine.echo = True
    try:
        with pytest.raises(IntegrityError) as raised, tenant_engine.begin() as connection:
            connection.execute(text("INSERT INTO groups (name, description, permissions) "
                                    "VALUES ('g', :d, '[]')"), {"d": SECRET})
    finally:
        tenant_engine.echo = False
    assert SECRET not in str(raised.value)
    assert "hidden due to hide_parameters" in str(raised.value)
    assert SECRET not in caplog.text
