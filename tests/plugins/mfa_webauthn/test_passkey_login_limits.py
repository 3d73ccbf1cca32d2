"""Passkey sign-in goes through the core's login limit like a password (issue 9)."""

from __future__ import annotations

from .conftest import Key, api_headers, register_key

LOGIN = "/api/v1/acme/auth/login"
WINDOW = 15 * 60


def passkey_sign_in(testapp, key: Key, status):
    start = testapp.post("/api/v1/acme/auth/passkey/options").json
    return testapp.post_json("/api/v1/acme/auth/passkey",
                             {"passkey_token": start["passkey_token"],
                              "credential": key.assert_(start["options"])}, status=status)


def test_a_passkey_is_refused_while_the_account_is_over_its_limit(
        passwordless, fake_clock, testapp):
    key, _ = register_key(testapp, api_headers(testapp), key=Key(uv=True))
    # Signing in with the passkey counts no failure: many in a row are all let in.
    for _ in range(12):
        assert passkey_sign_in(testapp, key, 200).json["token"]
    for _ in range(10):
        testapp.post_json(LOGIN, {"email": "staff@acme.test", "password": "wrong password"},
                          status=401)
    refused = passkey_sign_in(testapp, key, 429)
    assert refused.json["error"]["code"] == "too_many_attempts"
    assert int(refused.headers["Retry-After"]) == WINDOW
    fake_clock.advance(WINDOW)
    passkey_sign_in(testapp, key, 200)
