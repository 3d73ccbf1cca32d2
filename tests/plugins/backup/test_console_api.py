"""The administrators' page and API: the backups with status, size and age; back up now.

Every API answer is held to the served OpenAPI document (tests/plugins/conftest.py).
"""

from __future__ import annotations

from openapi_spec_validator import validate

from tests.api.conftest import served_api_methods

from .conftest import NAME, events

ADMIN = "admin@acme.test"


def test_the_page_lists_backups_and_backs_up_now(acme, console_client, tenant_request):
    client = console_client("acme", ADMIN)
    page = client.get("/acme/backup")
    assert "No backup yet." in page.text and "Back up now" in page.text
    page = page.forms["backup-now"].submit().follow()
    assert "A backup has started" in page.text
    assert "verified" in page.text and "No backup yet." not in page.text
    assert "hours" in page.text
    assert [event for event, _ in events(tenant_request, "acme")][:2] == [
        "backup.requested", "backup.run"]


def test_a_failure_is_shown(acme, console_client, registry, tenant_request):
    from praxcloud.core import contracts

    contracts.configure(registry, "acme", NAME, {"target": "sftp://backup@127.0.0.1:9/srv"})
    client = console_client("acme", ADMIN)
    client.get("/acme/backup").forms["backup-now"].submit().follow()
    page = client.get("/acme/backup")
    assert "The last backup failed" in page.text and "cannot reach" in page.text
    assert "The backups cannot be listed" in page.text


def test_the_api_lists_and_starts_backups(acme, api_client):
    client = api_client("acme", ADMIN)
    assert client.get("/api/v1/acme/backup/backups").json == {"backups": [],
                                                            "last_failure": None}
    assert client.post_json("/api/v1/acme/backup/backups", {}, status=202).json == {
        "status": "started"}
    listed = client.get("/api/v1/acme/backup/backups").json["backups"]
    assert len(listed) == 1 and listed[0]["status"] == "verified" and listed[0]["size"] > 0


def test_only_administrators_and_only_enabling_tenants(acme, api_client, console_client,
                                                       make_tenant, make_user):
    api_client("acme", "staff@acme.test").get("/api/v1/acme/backup/backups", status=403)
    make_tenant("beta")
    make_user("beta", "admin@beta.test", groups=("admin",))
    api_client("beta", "admin@beta.test").get("/api/v1/beta/backup/backups", status=404)
    console_client("beta", "admin@beta.test").get("/beta/backup", status=404)


def test_the_document_has_the_operations_the_views_serve(testapp, registry):
    document = testapp.get("/api/v1/openapi.json").json
    validate(document)
    assert NAME not in registry.plugin_host.broken
    served = served_api_methods(registry, NAME + ".")
    documented = {template: set(item) for template, item in document["paths"].items()
                  if template.startswith("/api/v1/{tenant}/backup")}
    assert documented == served == {"/api/v1/{tenant}/backup/backups": {"get", "post"}}
    assert {"BackupList", "BackupStarted"} <= set(document["components"]["schemas"])
