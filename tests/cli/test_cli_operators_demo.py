"""``praxcloud operator create`` and ``praxcloud demo``."""

from __future__ import annotations

from sqlalchemy import select

from praxcloud.core.models import Operator, PlatformAuditEvent
from praxcloud.testing import PASSWORD, api_login, bearer

from .conftest import printed_password


def operators(webapp) -> tuple[dict[str, Operator], object]:
    """The operators by e-mail, and the registry of a fresh app on the same ini."""
    registry = webapp().app.registry
    with registry.tenancy.platform_session() as platform_db:
        found = {op.email: op for op in platform_db.scalars(select(Operator))}
        for op in found.values():
            platform_db.expunge(op)
    return found, registry


def test_operator_create_stores_an_argon2_hash(upgraded, webapp):
    result = upgraded.ok(
        "operator", "create", "Ops@Example.org", env={"PRAXCLOUD_PASSWORD": PASSWORD}
    )
    assert result.stdout == "Created platform operator ops@example.org.\n"
    found, registry = operators(webapp)
    operator = found["ops@example.org"]
    assert operator.password_hash.startswith("$argon2id$")
    assert registry.password_context.verify(PASSWORD, operator.password_hash)
    with registry.tenancy.platform_session() as platform_db:
        [event] = platform_db.scalars(select(PlatformAuditEvent))
        assert (event.event, event.details) == ("operator.create", {"email": "ops@example.org"})


def test_operator_create_prompts_and_refuses_duplicates_and_short_passwords(upgraded):
    result = upgraded("operator", "create", "ops@example.org", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    result = upgraded.fails(
        "operator", "create", "OPS@example.org", env={"PRAXCLOUD_PASSWORD": PASSWORD}
    )
    assert result.stderr == "Error: a platform operator ops@example.org already exists\n"
    result = upgraded.fails(
        "operator", "create", "other@example.org", env={"PRAXCLOUD_PASSWORD": "short"}
    )
    assert "password: use at least 8 characters." in result.stderr
    result = upgraded.fails("operator", "create", "nobody", code=2)
    assert "'nobody' is not an e-mail address" in result.stderr


def test_demo_prints_passwords_once_and_they_work(upgraded, webapp):
    first = upgraded.ok("demo")
    admin_password = printed_password(first.stdout, "admin@demo.local")
    operator_password = printed_password(first.stdout, "operator@demo.local")
    assert admin_password and operator_password and admin_password != operator_password
    assert len(admin_password) == 16  # secrets.token_urlsafe(12)
    assert "Console:  http://localhost/demo/login\n" in first.stdout
    assert "Console:  http://localhost/platform/login\n" in first.stdout

    again = upgraded.ok("demo")
    assert "The demo tenant 'demo' already exists" in again.stdout
    assert "The demo platform operator operator@demo.local already exists." in again.stdout
    assert "Password" not in again.output
    assert admin_password not in again.output and operator_password not in again.output

    app = webapp()
    token = api_login(app, "demo", "admin@demo.local", admin_password)
    me = app.get("/api/v1/demo/me", headers=bearer(token)).json
    assert me["groups"] == ["admin"]
    found, registry = operators(webapp)
    assert registry.password_context.verify(
        operator_password, found["operator@demo.local"].password_hash
    )
    tenants = upgraded.ok("tenant", "list", "--json").stdout
    assert '"name": "Demo Institution"' in tenants


def test_demo_creates_only_what_is_missing(upgraded):
    upgraded.ok("tenant", "create", "demo", "--name", "Mine")
    result = upgraded.ok("demo")
    assert "The demo tenant 'demo' already exists" in result.stdout
    assert printed_password(result.stdout, "admin@demo.local") is None
    assert printed_password(result.stdout, "operator@demo.local")
