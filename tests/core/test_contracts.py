"""The contract service repairs what it must be able to repair."""

from sqlalchemy import select

from praxcloud.core import contracts
from praxcloud.core.models import AuditEvent, Tenant, TenantPlugin
from praxcloud.core.provisioning import set_status
from praxcloud.core.scripting import tenant_request
from praxcloud.testing import api_login, bearer


def _add_contract_line(registry, slug, plugin):
    with registry.tenancy.platform_session() as platform_db:
        tenant = platform_db.scalars(select(Tenant).where(Tenant.slug == slug)).one()
        tenant.plugins.append(TenantPlugin(plugin=plugin, settings={}))


def test_a_broken_plugin_can_be_taken_off_the_contract(registry, testapp, tenant):
    registry.plugin_host.broken["shaky"] = "ImportError: no module named shaky"
    _add_contract_line(registry, "acme", "shaky")
    # Fail closed while the contract names the broken plugin ...
    answer = testapp.post_json("/api/v1/acme/auth/login",
                               {"email": "staff@acme.test", "password": "x" * 10}, status=503)
    assert answer.json["error"]["code"] == "plugin_unavailable"

    contracts.disable(registry, "acme", "shaky", actor="ops@example.org")

    # ... and served again once it is gone, with the change in the tenant's trail.
    token = api_login(testapp, "acme", "staff@acme.test")
    testapp.get("/api/v1/acme/me", headers=bearer(token), status=200)
    with tenant_request(registry, "acme") as request:
        events = list(request.tenant_db.scalars(
            select(AuditEvent).where(AuditEvent.event == "plugin.disable")))
    assert [e.details["plugin"] for e in events] == ["shaky"]
    assert events[0].actor == "ops@example.org"


def test_a_suspended_tenants_contract_can_still_change(registry, testapp, tenant):
    registry.plugin_host.broken["shaky"] = "ImportError"
    _add_contract_line(registry, "acme", "shaky")
    set_status(registry.tenancy, "acme", "suspended")
    contracts.disable(registry, "acme", "shaky")
    with registry.tenancy.platform_session() as platform_db:
        tenant = platform_db.scalars(select(Tenant).where(Tenant.slug == "acme")).one()
        assert tenant.enabled_plugins == frozenset()
        assert tenant.status == "suspended"
    # The suspension itself still holds for web requests.
    testapp.post_json("/api/v1/acme/auth/login",
                      {"email": "staff@acme.test", "password": "x" * 10}, status=403)
