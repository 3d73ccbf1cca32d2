"""The installed-plugins page and the platform audit page."""

from __future__ import annotations

from praxcloud.core import contracts
from praxcloud.core.models import PlatformAuditEvent, utcnow

from . import sample_plugin
from .conftest import BROKEN_PLUGIN, OPERATOR_EMAIL, csrf_of, operator_post


def test_installed_plugins_with_their_hooks_and_tenants(operator, plugins, registry,
                                                        make_tenant):
    make_tenant("acme")
    make_tenant("zenith")
    contracts.enable(registry, "zenith", sample_plugin.NAME, {"api_key": "long-enough"})
    page = operator.get("/platform/plugins")
    row = page.html.find("strong", string=sample_plugin.NAME).find_parent("tr").get_text(" ")
    assert "1.2.3" in row and "Test plugin: a notes policy." in row
    assert "praxcloud_plugin_info" in row and "praxcloud_tenant_enabled" in row
    assert "zenith" in row and "acme" not in row
    # The broken plugin: the exception itself up front, the traceback behind a disclosure.
    broken = page.html.find(
        lambda tag: tag.name == "h3" and BROKEN_PLUGIN in tag.get_text()).find_parent("div")
    summary = broken.find("pre").get_text()
    assert "ModuleNotFoundError" in summary and "Traceback" not in summary
    assert "Traceback" in broken.find("details").get_text()
    assert "core.local_auth" in page.text


def test_plugins_page_without_plugins(operator, registry, monkeypatch):
    # Whatever this environment has installed, pretend it has nothing.
    monkeypatch.setattr(registry.plugin_host, "infos", {})
    page = operator.get("/platform/plugins")
    assert "No plugins are installed" in page.text


def test_a_contract_naming_a_missing_plugin_is_pointed_out(operator, plugins, registry,
                                                           make_tenant):
    make_tenant("acme")
    contracts.enable(registry, "acme", sample_plugin.NAME, {"api_key": "long-enough"})
    # The plugin disappears from the installation (uninstalled, renamed).
    registry.plugin_host.infos.pop(sample_plugin.NAME)
    page = operator.get("/platform/plugins")
    missing = page.html.find("h2", string="Missing plugins").find_next("table").get_text(" ")
    assert sample_plugin.NAME in missing and "acme" in missing
    contract = operator.get("/platform/tenants/acme/plugins")
    assert "not installed on this platform" in contract.text


def test_audit_lists_events_newest_first_and_filters(operator, registry, make_tenant):
    operator_post(operator, "/platform/tenants",
                  {"slug": "acme", "name": "Acme", "admin_email": "head@acme.test"})
    operator_post(operator, "/platform/tenants",
                  {"slug": "zenith", "name": "Zenith", "admin_email": "head@zenith.test"})
    token = csrf_of(operator.get("/platform/tenants/acme"))
    operator.post("/platform/tenants/acme/status", {"csrf_token": token, "status": "suspended"})
    page = operator.get("/platform/audit")
    rows = [tr.get_text(" ", strip=True) for tr in page.html.select("tbody tr")]
    assert "tenant.suspend" in rows[0]
    assert "tenant.admin_invited" in rows[1] and "zenith" in rows[1]
    assert "tenant.create" in rows[2] and "zenith" in rows[2]
    assert any("operator.login" in row and OPERATOR_EMAIL in row for row in rows)
    only_acme = operator.get("/platform/audit", {"tenant": "acme"})
    texts = [tr.get_text(" ", strip=True) for tr in only_acme.html.select("tbody tr")]
    assert len(texts) == 3 and all("acme" in t for t in texts)
    creates = operator.get("/platform/audit", {"event": "tenant.create"})
    assert len(creates.html.select("tbody tr")) == 2
    assert "No events match" in operator.get("/platform/audit", {"tenant": "x\x00y"}).text
    assert operator.get("/platform/audit", {"page": "banana"}).status_int == 200


def test_audit_pages(operator, registry):
    with registry.tenancy.platform_session() as platform_db:
        for number in range(120):
            platform_db.add(PlatformAuditEvent(at=utcnow(), event="tenant.create",
                                               tenant_slug=f"t{number:03d}", details={}))
    first = operator.get("/platform/audit")
    assert len(first.html.select("tbody tr")) == 50 and "Page 1 of 3" in first.text
    last = first.click("Older").click("Older")
    assert "Page 3 of 3" in last.text and len(last.html.select("tbody tr")) == 21
    assert "Older" not in last.text
