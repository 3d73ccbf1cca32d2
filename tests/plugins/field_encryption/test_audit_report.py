"""A truncated blind index puts a few addresses in each bucket; nobody's access report
may show another person's entries because of it."""

from __future__ import annotations

from praxcloud.plugin import User

from .conftest import raw


def colliding_addresses(tenant_request) -> tuple[str, str]:
    """Two addresses whose (8-bit) blind indexes are the same for acme."""
    from praxcloud.core.fields import codecs_of

    seen: dict[str, str] = {}
    with tenant_request("acme") as request:
        codec = codecs_of(request.tenant_db).get(User, "email")
        for number in range(2000):
            email = f"person{number}@example.org"
            index = codec.blind_index(email)
            if index in seen:
                return seen[index], email
            seen[index] = email
    raise AssertionError("no two of 2000 addresses share an 8-bit index")


def test_the_access_report_keeps_to_its_own_address(registry, encrypted, make_user,
                                                     api_client, tenant_request):
    encrypted(expected_users=2)
    first, second = colliding_addresses(tenant_request)
    make_user("acme", first)
    make_user("acme", second)
    admin = api_client("acme", "admin@acme.test")
    # Events whose target is an address: filed under the address's (shared) key.
    for email in (first, second):
        admin.post_json("/api/v1/acme/auth/forgot-password", {"email": email}, status=202)
    report = admin.get("/api/v1/acme/audit/subject", {"email": first}).json
    targets = {item["target"] for item in report["items"] if item["role"] == "subject"}
    assert first in targets and second not in targets
    assert len(report["subject"]["user_ids"]) == 1
    # The two really do share their index value.
    indexes = raw(registry, "acme", "SELECT email_index FROM users")
    assert len({row["email_index"] for row in indexes}) < len(indexes)
