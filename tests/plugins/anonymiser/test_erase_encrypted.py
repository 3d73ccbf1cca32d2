"""The right to be forgotten with field_encryption on: the trail keeps nothing of the person.

With users' e-mail encrypted, the trail's ``actor`` and ``target`` hold
ciphertext copies (they follow the users.email codec), so SQL cannot find
the person's rows by value. After an erasure by e-mail, every audit row is
read back decrypted (through the ORM and the tenant's codecs) and searched
for the person's address and name; the database is searched raw as well.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from praxcloud.core.models import AuditEvent
from praxcloud.plugin import find_user_by_email
from praxcloud.testing import api_login, bearer

from .conftest import NAME
from .test_erase import ANN, ANN_NAME, RECORDS, TRACES, traces

USERS = "/api/v1/acme/users"


@pytest.fixture
def acme(tenant, enable_plugin):
    enable_plugin("acme", "field_encryption", {})
    enable_plugin("acme", NAME, {})
    enable_plugin("acme", "lockdown", {})
    return tenant


def decrypted_trail(tenant_request) -> list[str]:
    """Each audit event that names Ann once decrypted: "id event column"."""
    found = []
    with tenant_request("acme") as request:
        for event in request.tenant_db.scalars(select(AuditEvent).order_by(AuditEvent.id)):
            for column in ("actor", "target", "details"):
                value = str(getattr(event, column) or "").lower()
                if any(trace in value for trace in TRACES):
                    found.append(f"{event.id} {event.event} {column}")
    return found


@pytest.fixture
def ann_in_the_trail(acme, make_user, testapp, tenant_request):
    """Ann as actor (her logins, a failed one typed otherwise, her own work) and as target
    (the administrator reads, changes and searches her account and her records)."""
    make_user("acme", ANN, groups=("staff",))
    with tenant_request("acme") as request:
        # Encrypted: found through the blind index, never compared in SQL.
        user = find_user_by_email(request.tenant_db, ANN)
        user.display_name = ANN_NAME
        ann_id = user.id
    ann = bearer(api_login(testapp, "acme", ANN))
    testapp.post_json("/api/v1/acme/auth/login", {"email": "ANN.person@example.org",
                                                  "password": "wrong password"}, status=401)
    testapp.post_json("/api/v1/acme/auth/login", {"email": ANN, "password": "wrong password"},
                      status=401)
    testapp.post_json(RECORDS, {"name": "Bob Other", "email": "bob@example.org"},
                      headers=ann, status=201)
    testapp.get(RECORDS, headers=ann)
    admin = bearer(api_login(testapp, "acme", "admin@acme.test"))
    # Searches that find nothing: the trail files them under nobody.
    testapp.get(RECORDS, {"q": ANN_NAME}, headers=admin)
    testapp.get(RECORDS, {"q": "ann PERSON"}, headers=admin)
    testapp.get(RECORDS, {"q": ANN.upper()}, headers=admin)
    record = testapp.post_json(RECORDS, {"name": ANN_NAME, "email": ANN, "phone": "+64 1"},
                               headers=admin).json
    testapp.get(f"{RECORDS}/{record['id']}", headers=admin)
    testapp.get(RECORDS, {"q": ANN_NAME}, headers=admin)
    testapp.get(f"{USERS}/{ann_id}", headers=admin)
    testapp.get(USERS, {"q": ANN}, headers=admin)
    testapp.patch_json(f"{USERS}/{ann_id}", {"display_name": ANN_NAME + " Jr"}, headers=admin)
    # The events are there, encrypted: the raw database holds no address of Ann's.
    assert decrypted_trail(tenant_request) != []
    assert [t for t in traces(testapp.app.registry) if t.startswith("audit_events")] == []
    return {"admin": admin, "ann_id": ann_id}


def test_erasing_by_email_leaves_nothing_in_the_decrypted_trail(ann_in_the_trail, testapp,
                                                                 registry, tenant_request):
    answer = testapp.post_json("/api/v1/acme/anonymiser/erase", {"email": ANN},
                               headers=ann_in_the_trail["admin"]).json
    assert (answer["mode"], answer["counts"]["users"], answer["counts"]["records"]) == (
        "email", 1, 1)
    assert decrypted_trail(tenant_request) == []
    assert traces(registry) == []
    with tenant_request("acme") as request:
        events = request.tenant_db.scalars(select(AuditEvent)).all()
        # The trail keeps its events: only what named Ann is gone.
        assert any(e.event == "anonymiser.erase" for e in events)
        assert all(e.actor_id != ann_in_the_trail["ann_id"] for e in events)
