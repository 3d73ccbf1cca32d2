"""What a tenant administrator sees and does: the Encryption page and its API, and rotating.

The rotation job runs inline here (``praxcloud.celery_eager``), as a worker would run it.
"""

from __future__ import annotations

import pytest

from praxcloud.plugin import data_key_status

from .conftest import raw


@pytest.fixture
def settings(settings):
    return {**settings, "praxcloud.celery_eager": "true", "praxcloud.tenant_cache_seconds": "0"}


def test_the_page_shows_fields_and_keys_and_rotates(registry, encrypted, console_client):
    encrypted()
    admin = console_client("acme", "admin@acme.test")
    page = admin.get("/acme/encryption")
    assert "records.email" in page.text and "users.email" in page.text
    assert "Encrypts" in page.text and "blind index of 12 bits" in page.text
    assert "Encryption" in admin.get("/acme/records").text  # in the menu
    done = admin.post_form("/acme/encryption/rotate", status=303)
    assert done.location.endswith("/acme/encryption")
    assert [(k["version"], k["state"]) for k in data_key_status(
        registry, "acme", "field_encryption")] == [(1, "retired"), (2, "active")]
    page = admin.get("/acme/encryption")
    assert "Retired: erased" in page.text
    events = [row["event"] for row in raw(registry, "acme", "SELECT event FROM audit_events")]
    assert "field_encryption.rotate_requested" in events


def test_the_api_describes_and_rotates(registry, encrypted, api_client, testapp):
    from praxcloud.testing import bearer

    encrypted(fields=["users.email", "records.notes"])
    admin = api_client("acme", "admin@acme.test")
    described = testapp.get("/api/v1/acme/encryption", headers=bearer(admin.token)).json
    assert described["fields"] == ["users.email", "records.notes"]
    assert described["keys"][0]["version"] == 1 and described["keys"][0]["state"] == "active"
    assert described["blind_index"] == {"field": "users.email", "bits": 12,
                                        "expected_users": 10000}
    queued = testapp.post_json("/api/v1/acme/encryption/rotate", {},
                               headers=bearer(admin.token), status=202).json
    assert queued["queued"] is True and queued["task"]
    described = testapp.get("/api/v1/acme/encryption", headers=bearer(admin.token)).json
    assert [k["state"] for k in described["keys"]] == ["retired", "active"]


def test_staff_and_other_tenants_get_no_page(registry, encrypted, make_tenant, make_user,
                                             api_client, console_client):
    encrypted()
    staff = api_client("acme", "staff@acme.test")
    staff.get("/api/v1/acme/encryption", status=403)
    make_tenant("beta", "Beta")
    make_user("beta", "admin@beta.test", groups=("admin",))
    console_client("beta", "admin@beta.test").get("/beta/encryption", status=404)
    api_client("beta", "admin@beta.test").get("/api/v1/beta/encryption", status=404)
