"""Changing one's password counts wrong current passwords on the step-up counter (issue 9).

Five wrong (together with wrong step-up confirmations: one counter) end the
session; the password stays as it was.
"""

from __future__ import annotations

from praxcloud.core.stepup import MAX_REAUTH_FAILURES
from praxcloud.testing import PASSWORD, api_login
from tests.api.conftest import audit_events, login
from tests.api.samples import NEW_PASSWORD

ME = "/api/v1/acme/me"
CHANGE = "/api/v1/acme/me/password"


def change(testapp, headers, current, status):
    return testapp.post_json(CHANGE, {"current_password": current,
                                      "new_password": NEW_PASSWORD},
                             headers=headers, status=status)


def test_five_wrong_current_passwords_end_the_session(testapp, tenant, registry):
    current = login(testapp, "acme", "staff@acme.test")
    other = login(testapp, "acme", "staff@acme.test")
    for attempt in range(1, MAX_REAUTH_FAILURES):
        answer = change(testapp, current, f"guess {attempt}", 403).json
        assert answer["error"]["code"] == "invalid_credentials"
    last = change(testapp, current, "guess 5", 401).json
    assert last["error"]["code"] == "invalid_credentials"
    assert "session has ended" in last["error"]["message"]
    testapp.get(ME, headers=current, status=401)
    # The right password no longer helps this session, and nothing changed.
    change(testapp, current, PASSWORD, 401)
    testapp.get(ME, headers=other)
    api_login(testapp, "acme", "staff@acme.test", PASSWORD)
    failures = [e.details for e in audit_events(registry, "acme", "password.change")]
    assert [(d["failures"], d["session_ended"]) for d in failures] == [
        (1, False), (2, False), (3, False), (4, False), (5, True)]


def test_one_counter_with_step_up(testapp, tenant):
    current = login(testapp, "acme", "staff@acme.test")
    for attempt in range(3):
        testapp.post_json("/api/v1/acme/auth/reauth", {"password": f"guess {attempt}"},
                          headers=current, status=401)
    change(testapp, current, "guess 4", 403)
    change(testapp, current, "guess 5", 401)
    testapp.get(ME, headers=current, status=401)


def test_the_right_password_starts_the_count_again(testapp, tenant):
    current = login(testapp, "acme", "staff@acme.test")
    for attempt in range(MAX_REAUTH_FAILURES - 1):
        change(testapp, current, f"guess {attempt}", 403)
    change(testapp, current, PASSWORD, 204)
    for attempt in range(MAX_REAUTH_FAILURES - 1):
        testapp.post_json(CHANGE, {"current_password": f"guess {attempt}",
                                   "new_password": "a third pass phrase"},
                          headers=current, status=403)
    testapp.get(ME, headers=current)
