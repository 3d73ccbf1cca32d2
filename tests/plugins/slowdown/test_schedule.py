"""slowdown's schedule as a client meets it: waits of 2, 4, 16 s, growing to a cap, per
account and address; a lower cap for the account as a whole; a budget per address."""

from __future__ import annotations

from .conftest import ATTACKER, OWNER, STAFF, retry_after, right, wrong


def test_each_failure_makes_the_next_attempt_wait_longer(testapp, slowdown_tenant):
    clock = slowdown_tenant(account_max_delay_seconds=3600)
    waits = []
    for _ in range(6):
        assert wrong(testapp).status_int == 401
        waits.append(retry_after(wrong(testapp)))
        clock.advance(waits[-1])
    assert waits == [2, 4, 16, 64, 256, 900]
    # Capped at max_delay_seconds (15 minutes).
    assert wrong(testapp).status_int == 401
    assert retry_after(wrong(testapp)) == 900


def test_a_refused_attempt_is_not_tried_and_says_the_same_whatever_the_reason(testapp,
                                                                              slowdown_tenant):
    slowdown_tenant()
    wrong(testapp, status=401)
    # The right password during the wait is refused too: it is never looked at.
    early = right(testapp, status=429)
    assert early.json == {"error": {"code": "too_many_attempts",
                                    "message": "too many login attempts", "fields": {}}}


def test_a_right_password_forgets_the_failures(testapp, slowdown_tenant):
    clock = slowdown_tenant()
    for _ in range(3):
        wrong(testapp, status=401)
        clock.advance(retry_after(wrong(testapp)))
    assert right(testapp).status_int == 200
    wrong(testapp, status=401)
    assert retry_after(wrong(testapp)) == 2


def test_guessing_from_elsewhere_slows_the_owner_only_to_the_accounts_cap(testapp,
                                                                          slowdown_tenant):
    clock = slowdown_tenant(account_max_delay_seconds=30)
    for _ in range(6):
        wrong(testapp, status=401)
        clock.advance(retry_after(wrong(testapp)))
    # The attacker's own address waits long...
    wrong(testapp, status=401)
    assert retry_after(wrong(testapp)) == 900
    # ...the owner, from another address, at most the account's cap.
    assert retry_after(right(testapp, address=OWNER)) <= 30
    clock.advance(30)
    assert right(testapp, address=OWNER).status_int == 200


def test_one_address_trying_many_accounts_runs_out_of_budget(testapp, slowdown_tenant):
    slowdown_tenant(address_budget=3, address_window_seconds=600)
    for number in range(3):
        wrong(testapp, email=f"user{number}@acme.test", status=401)
    refused = wrong(testapp, email="user9@acme.test", status=429)
    assert 1 <= retry_after(refused) <= 600
    # Another address is not held back by it.
    wrong(testapp, email="user9@acme.test", address=OWNER, status=401)


def test_the_console_login_is_slowed_down_alike(testapp, slowdown_tenant):
    slowdown_tenant()
    for expected in (200, 429):
        form = testapp.get("/acme/login").forms["login-form"]
        form["email"], form["password"] = STAFF, "not the password at all"
        answer = form.submit(status="*", extra_environ={"REMOTE_ADDR": ATTACKER})
        assert answer.status_int == (401 if expected == 200 else 429)
    assert answer.headers["Retry-After"] == "2"
    assert "Please try again in" in answer.html.get_text()


def test_the_admin_sees_slowed_logins_and_frees_one(testapp, slowdown_tenant, console_client):
    clock = slowdown_tenant()
    for _ in range(3):
        wrong(testapp, status=401)
        clock.advance(retry_after(wrong(testapp)))
    wrong(testapp, status=401)
    admin = console_client("acme", "admin@acme.test")
    page = admin.get("/acme/slowdown")
    row = page.html.select_one("#slowed-accounts tbody tr").get_text(" ", strip=True)
    assert STAFF in row and "4" in row and "waits until" in row
    page.forms["release-1"].submit(status=303)
    assert right(testapp).status_int == 200
    assert "No account has failed logins" in admin.get("/acme/slowdown").html.get_text()


def test_the_admin_api_lists_and_frees(testapp, slowdown_tenant):
    from praxcloud.testing import api_login, bearer

    slowdown_tenant()
    auth = bearer(api_login(testapp, "acme", "admin@acme.test"))
    wrong(testapp, status=401)
    listed = testapp.get("/api/v1/acme/slowdown/accounts", headers=auth).json["accounts"]
    assert [(row["login"], row["failures"]) for row in listed] == [(STAFF, 1)]
    assert listed[0]["delayed_until"] is not None
    testapp.post_json("/api/v1/acme/slowdown/release", {"login": "Staff@Acme.test "},
                      headers=auth, status=204)
    assert right(testapp).status_int == 200
    testapp.post_json("/api/v1/acme/slowdown/release", {"login": 5}, headers=auth, status=422)
    staff = bearer(api_login(testapp, "acme", STAFF))
    testapp.get("/api/v1/acme/slowdown/accounts", headers=staff, status=403)


def test_only_user_managers_see_the_page_in_the_menu(testapp, slowdown_tenant, console_client):
    slowdown_tenant()
    admin_menu = console_client("acme", "admin@acme.test").get("/acme/").html.find("nav")
    assert "Slowed logins" in admin_menu.get_text()
    staff = console_client("acme", STAFF)
    assert "Slowed logins" not in staff.get("/acme/").html.find("nav").get_text()
    staff.get("/acme/slowdown", status=403)
