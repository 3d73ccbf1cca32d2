"""The JSON API with a software key: register, second factor, passkeys, the failure paths."""

from __future__ import annotations

from sqlalchemy import select

from plugins.mfa_webauthn.models import WebauthnChallenge, WebauthnCredential
from plugins.mfa_webauthn.passkeys import PASSKEY_OPTIONS_PER_MINUTE
from praxcloud.core.scripting import tenant_request
from praxcloud.testing import PASSWORD
from tests.api.conftest import audit_events

from .conftest import (
    Key,
    api_headers,
    enable,
    expire_login_challenges,
    finish_mfa,
    login_options,
    register_key,
    start_login,
    tamper_client_data,
)


def test_register_then_log_in_with_the_key_as_second_factor(webauthn, testapp, backend):
    headers = api_headers(testapp)
    key, answer = register_key(testapp, headers, name="  Blue key ")
    assert answer["name"] == "Blue key"
    assert answer["last_used_at"] is None and answer["discoverable"] is True
    assert answer["transports"] == ["usb"]
    listed = testapp.get("/api/v1/acme/mfa/webauthn/credentials", headers=headers).json
    assert [c["name"] for c in listed["credentials"]] == ["Blue key"]

    mfa_token = start_login(testapp)
    options = login_options(testapp, mfa_token)
    assert options["rpId"] == "localhost"
    assert [c["id"] for c in options["allowCredentials"]] == [answer_id(key)]
    done = finish_mfa(testapp, mfa_token, key.assert_(options), status=200).json
    assert done["token"] and done["expires_at"]

    listed = testapp.get("/api/v1/acme/mfa/webauthn/credentials",
                         headers={"Authorization": f"Bearer {done['token']}"}).json
    assert listed["credentials"][0]["last_used_at"] is not None
    with tenant_request(webauthn, "acme") as request:
        stored = request.tenant_db.scalars(select(WebauthnCredential)).one()
        assert stored.sign_count == 1
    assert [e.outcome for e in audit_events(webauthn, "acme", "mfa.webauthn.register")] == [
        "success"]


def answer_id(key: Key) -> str:
    import base64

    return base64.urlsafe_b64encode(key.credential_id).rstrip(b"=").decode()


def test_a_replayed_assertion_is_refused(webauthn, testapp):
    key, _ = register_key(testapp, api_headers(testapp))
    mfa_token = start_login(testapp)
    credential = key.assert_(login_options(testapp, mfa_token))
    finish_mfa(testapp, mfa_token, credential, status=200)
    # The same answer again: the login challenge is spent...
    assert finish_mfa(testapp, mfa_token, credential, status=401).json["error"]["code"] == (
        "mfa_token_invalid")
    # ...and a new login has a new challenge, which the old answer did not sign.
    second = start_login(testapp)
    login_options(testapp, second)
    refused = finish_mfa(testapp, second, credential, status=401).json["error"]
    assert refused["code"] == "webauthn_invalid"
    assert "challenge" in refused["message"]


def test_the_challenge_of_a_login_is_single_use_even_when_the_answer_fails(webauthn, testapp):
    key, _ = register_key(testapp, api_headers(testapp))
    mfa_token = start_login(testapp)
    options = login_options(testapp, mfa_token)
    good = key.assert_(options)
    bad = tamper_client_data(good, origin="https://evil.example")
    assert finish_mfa(testapp, mfa_token, bad, status=401).json["error"]["code"] == (
        "webauthn_invalid")
    # The challenge went with the failed try: the right answer to it is too late now.
    refused = finish_mfa(testapp, mfa_token, good, status=401).json["error"]
    assert refused["code"] == "webauthn_challenge_invalid"
    # Asking for options again gives a fresh challenge, and the login can finish.
    assert finish_mfa(testapp, mfa_token, key.assert_(login_options(testapp, mfa_token)),
                      status=200).json["token"]


def test_an_expired_challenge_is_refused(webauthn, testapp):
    key, _ = register_key(testapp, api_headers(testapp))
    mfa_token = start_login(testapp)
    credential = key.assert_(login_options(testapp, mfa_token))
    expire_login_challenges(webauthn)
    refused = finish_mfa(testapp, mfa_token, credential, status=401).json["error"]
    assert refused["code"] == "webauthn_challenge_invalid"
    assert "expired" in refused["message"]


def test_another_users_mfa_token_gets_nothing_from_my_key(webauthn, testapp, make_user):
    staff_key, _ = register_key(testapp, api_headers(testapp))
    admin_key, _ = register_key(testapp, api_headers(testapp, "admin@acme.test"), name="Admin")
    admin_token = start_login(testapp, "admin@acme.test")
    options = login_options(testapp, admin_token)
    # Staff's key answers the admin's challenge: not the admin's key.
    staff_key.rp_id = admin_key.rp_id
    refused = finish_mfa(testapp, admin_token, staff_key.assert_(options), status=401).json
    assert refused["error"]["code"] == "webauthn_unknown_credential"
    # An mfa_token that is not one is refused before any options are made.
    assert login_options(testapp, "not-a-token", status=401)["error"]["code"] == (
        "mfa_token_invalid")


def test_a_sign_count_that_goes_back_is_refused_and_audited(webauthn, testapp, backend):
    key, _ = register_key(testapp, api_headers(testapp))
    for _ in range(3):
        token = start_login(testapp)
        finish_mfa(testapp, token, key.assert_(login_options(testapp, token)), status=200)
    key.sign_count = 1  # a copy of the key, made when its counter was at 1
    token = start_login(testapp)
    refused = finish_mfa(testapp, token, key.assert_(login_options(testapp, token)),
                         status=401).json["error"]
    assert refused["code"] == "webauthn_clone_suspected"
    events = audit_events(webauthn, "acme", "mfa.webauthn.clone_suspected")
    assert len(events) == 1
    assert events[0].outcome == "failure" and events[0].target == "staff@acme.test"
    assert events[0].details["stored_count"] == 3 and events[0].details["presented_count"] == 2


def test_tampered_client_data_is_a_clear_400_at_registration(webauthn, testapp):
    headers = api_headers(testapp)
    for change, code in (({"challenge": "AAAA"}, "webauthn_challenge_invalid"),
                         ({"origin": "https://evil.example"}, "webauthn_invalid"),
                         ({"raw": b"not json"}, "webauthn_malformed"),
                         ({"raw": b"[" * 5000}, "webauthn_malformed"),
                         ({"type": "webauthn.get"}, "webauthn_invalid")):
        options = testapp.post("/api/v1/acme/mfa/webauthn/register/options",
                               headers=headers).json
        credential = tamper_client_data(Key().register(options), **change)
        answer = testapp.post_json("/api/v1/acme/mfa/webauthn/register",
                                   {"name": "Key", "credential": credential}, headers=headers,
                                   status=400).json
        assert answer["error"]["code"] == code, change
    assert testapp.get("/api/v1/acme/mfa/webauthn/credentials",
                       headers=headers).json == {"credentials": []}
    failures = audit_events(webauthn, "acme", "mfa.webauthn.register")
    assert [e.outcome for e in failures] == ["failure"] * 5


def test_a_registration_challenge_is_single_use(webauthn, testapp):
    headers = api_headers(testapp)
    options = testapp.post("/api/v1/acme/mfa/webauthn/register/options", headers=headers).json
    credential = Key().register(options)
    testapp.post_json("/api/v1/acme/mfa/webauthn/register",
                      {"name": "One", "credential": credential}, headers=headers, status=201)
    again = testapp.post_json("/api/v1/acme/mfa/webauthn/register",
                              {"name": "Two", "credential": credential}, headers=headers,
                              status=400).json
    assert again["error"]["code"] == "webauthn_challenge_invalid"


def test_a_registration_challenge_belongs_to_the_session_that_asked(webauthn, testapp):
    options = testapp.post("/api/v1/acme/mfa/webauthn/register/options",
                           headers=api_headers(testapp)).json
    other_session = api_headers(testapp)
    answer = testapp.post_json("/api/v1/acme/mfa/webauthn/register",
                               {"name": "Key", "credential": Key().register(options)},
                               headers=other_session, status=400).json
    assert answer["error"]["code"] == "webauthn_challenge_invalid"


def test_bad_bodies_are_json_errors(webauthn, testapp):
    headers = api_headers(testapp)
    url = "/api/v1/acme/mfa/webauthn/register"
    assert testapp.post_json(url, {"name": "Key"}, headers=headers,
                             status=422).json["error"]["fields"] == {"credential": "is required"}
    assert testapp.post_json(url, {"name": "Key", "credential": "text", "x": 1}, headers=headers,
                             status=422).json["error"]["fields"] == {"x": "unknown field"}
    assert "credential" in testapp.post_json(url, {"name": "Key", "credential": "text"},
                                             headers=headers, status=422).json["error"]["fields"]
    assert testapp.post(url, "{", headers={**headers, "Content-Type": "application/json"},
                        status=400).json["error"]["code"] == "malformed_json"
    options = testapp.post(url + "/options", headers=headers).json
    named = testapp.post_json(url, {"name": "", "credential": Key().register(options)},
                              headers=headers, status=422).json["error"]
    assert named["fields"] == {"name": "give the security key a name"}
    garbage = testapp.post_json(url, {"name": "Key", "credential": {"id": 1}}, headers=headers,
                                status=400).json["error"]
    assert garbage["code"] == "webauthn_malformed"
    assert testapp.get(url, headers=headers, status=405).headers["Allow"] == "POST"


def test_rename_and_remove_through_the_api(webauthn, testapp, settings):
    headers = api_headers(testapp)
    _, answer = register_key(testapp, headers)
    url = f"/api/v1/acme/mfa/webauthn/credentials/{answer['id']}"
    renamed = testapp.patch_json(url, {"name": "Red key"}, headers=headers).json
    assert renamed["name"] == "Red key"
    testapp.delete(url, headers=headers, status=204)
    testapp.delete(url, headers=headers, status=404)
    assert testapp.get("/api/v1/acme/mfa/webauthn/credentials",
                       headers=headers).json == {"credentials": []}
    assert [e.event for e in audit_events(webauthn, "acme")
            if e.event.startswith("mfa.webauthn")] == [
        "mfa.webauthn.register", "mfa.webauthn.rename", "mfa.webauthn.remove"]


def test_someone_elses_key_is_not_found(webauthn, testapp):
    _, answer = register_key(testapp, api_headers(testapp))
    admin = api_headers(testapp, "admin@acme.test")
    url = f"/api/v1/acme/mfa/webauthn/credentials/{answer['id']}"
    testapp.patch_json(url, {"name": "Mine now"}, headers=admin, status=404)
    testapp.delete(url, headers=admin, status=404)


def test_passwordless_login_through_the_api(passwordless, testapp, backend):
    key, _ = register_key(testapp, api_headers(testapp), key=Key(uv=True))
    start = testapp.post("/api/v1/acme/auth/passkey/options").json
    assert start["options"]["allowCredentials"] == []
    assert start["options"]["userVerification"] == "required"
    credential = key.assert_(start["options"])
    done = testapp.post_json("/api/v1/acme/auth/passkey",
                             {"passkey_token": start["passkey_token"],
                              "credential": credential}).json
    me = testapp.get("/api/v1/acme/me", headers={"Authorization": f"Bearer {done['token']}"})
    assert me.json["email"] == "staff@acme.test"
    # Single use: the same token and answer again are refused.
    again = testapp.post_json("/api/v1/acme/auth/passkey",
                              {"passkey_token": start["passkey_token"],
                               "credential": credential}, status=400).json
    assert again["error"]["code"] == "webauthn_challenge_invalid"
    with tenant_request(passwordless, "acme") as request:
        row = request.tenant_db.scalars(select(WebauthnChallenge).where(
            WebauthnChallenge.purpose == "passkey")).one()
        assert row.used_at is not None
        assert start["passkey_token"] not in row.lookup_hash


def test_passwordless_needs_user_verification(passwordless, testapp):
    key, _ = register_key(testapp, api_headers(testapp), key=Key(uv=False))
    start = testapp.post("/api/v1/acme/auth/passkey/options").json
    refused = testapp.post_json("/api/v1/acme/auth/passkey",
                                {"passkey_token": start["passkey_token"],
                                 "credential": key.assert_(start["options"])}, status=400).json
    assert refused["error"]["code"] == "webauthn_invalid"
    assert "verif" in refused["error"]["message"]
    assert [e.details["reason"] for e in audit_events(passwordless, "acme",
                                                      "mfa.webauthn.passkey")] == [
        "webauthn_invalid"]


def test_passwordless_refuses_an_expired_or_unknown_token(passwordless, testapp):
    key, _ = register_key(testapp, api_headers(testapp), key=Key(uv=True))
    start = testapp.post("/api/v1/acme/auth/passkey/options").json
    with tenant_request(passwordless, "acme") as request:
        import datetime as dt

        for row in request.tenant_db.scalars(select(WebauthnChallenge)):
            row.expires_at = row.expires_at - dt.timedelta(minutes=10)
    for token in (start["passkey_token"], "made-up"):
        refused = testapp.post_json("/api/v1/acme/auth/passkey",
                                    {"passkey_token": token,
                                     "credential": key.assert_(start["options"])},
                                    status=400).json
        assert refused["error"]["code"] == "webauthn_challenge_invalid"


def test_passwordless_tampered_client_data_is_400(passwordless, testapp):
    key, _ = register_key(testapp, api_headers(testapp), key=Key(uv=True))
    for change in ({"origin": "https://evil.example"}, {"challenge": "AAAA"},
                   {"raw": b"\xff not json"}):
        start = testapp.post("/api/v1/acme/auth/passkey/options").json
        credential = tamper_client_data(key.assert_(start["options"]), **change)
        refused = testapp.post_json("/api/v1/acme/auth/passkey",
                                    {"passkey_token": start["passkey_token"],
                                     "credential": credential}, status=400).json
        assert refused["error"]["code"] == "webauthn_invalid", change


def test_passkey_options_are_limited_per_client_address(passwordless, testapp, registry):
    """Anyone may ask for passkey options and each stores a challenge: one address gets 30 a
    minute, in the API and the console alike; another address is not held up."""
    for _ in range(PASSKEY_OPTIONS_PER_MINUTE):
        testapp.post("/api/v1/acme/auth/passkey/options")
    refused = testapp.post("/api/v1/acme/auth/passkey/options", status=429)
    assert refused.json["error"]["code"] == "too_many_requests"
    assert refused.headers["Retry-After"] == "60"
    page = testapp.get("/acme/login/passkey", status=429)
    assert "Too many passkey sign-ins" in page.text and "webauthn-passkey" not in page.text
    with tenant_request(registry, "acme") as request:
        stored = request.tenant_db.scalars(select(WebauthnChallenge)).all()
    assert len(stored) == PASSKEY_OPTIONS_PER_MINUTE
    testapp.post("/api/v1/acme/auth/passkey/options",
                 extra_environ={"REMOTE_ADDR": "192.0.2.7"}, status=200)


def test_passwordless_is_off_unless_the_tenant_allows_it(webauthn, testapp):
    testapp.post("/api/v1/acme/auth/passkey/options", status=404)
    testapp.post_json("/api/v1/acme/auth/passkey", {"passkey_token": "x", "credential": {}},
                      status=404)


def test_a_tenant_without_the_plugin(registry, testapp, make_tenant, make_user, tenant):
    enable(registry)
    make_tenant("beta")
    make_user("beta", "staff@beta.test")
    headers = api_headers(testapp, "staff@beta.test", "beta")
    for method, path in (("GET", "credentials"), ("POST", "register/options"),
                         ("POST", "register"), ("POST", "login-options")):
        testapp.request(f"/api/v1/beta/mfa/webauthn/{path}", method=method, headers=headers,
                        status=404)
    testapp.post("/api/v1/beta/auth/passkey/options", status=404)
    answer = testapp.post_json("/api/v1/beta/auth/login",
                               {"email": "staff@beta.test", "password": PASSWORD}).json
    assert "token" in answer and "mfa_required" not in answer


def test_an_expired_registration_challenge_is_refused(webauthn, testapp):
    import datetime as dt

    headers = api_headers(testapp)
    options = testapp.post("/api/v1/acme/mfa/webauthn/register/options", headers=headers).json
    with tenant_request(webauthn, "acme") as request:
        for row in request.tenant_db.scalars(select(WebauthnChallenge)):
            row.expires_at = row.expires_at - dt.timedelta(minutes=10)
    refused = testapp.post_json("/api/v1/acme/mfa/webauthn/register",
                                {"name": "Key", "credential": Key().register(options)},
                                headers=headers, status=400).json
    assert refused["error"]["code"] == "webauthn_challenge_invalid"


def test_the_relying_party_comes_from_the_settings_in_production(registry, tenant, testapp):
    enable(registry, rp_id="praxcloud.example", origins=["https://app.praxcloud.example"])
    headers = api_headers(testapp)
    options = testapp.post("/api/v1/acme/mfa/webauthn/register/options", headers=headers).json
    assert options["rp"] == {"id": "praxcloud.example", "name": "Acme Care"}
    # The request's own host (localhost) is not an accepted origin any more.
    refused = testapp.post_json("/api/v1/acme/mfa/webauthn/register",
                                {"name": "Key", "credential": Key().register(options)},
                                headers=headers, status=400).json
    assert "origin" in refused["error"]["message"]
    options = testapp.post("/api/v1/acme/mfa/webauthn/register/options", headers=headers).json
    key = Key()
    testapp.post_json("/api/v1/acme/mfa/webauthn/register",
                      {"name": "Key", "credential": key.register(
                          options, origin="https://app.praxcloud.example")},
                      headers=headers, status=201)
    mfa_token = start_login(testapp)
    options = login_options(testapp, mfa_token)
    assert options["rpId"] == "praxcloud.example"
    finish_mfa(testapp, mfa_token, key.assert_(options, origin="https://app.praxcloud.example"),
               status=200)


def test_settings_are_validated(registry, tenant):
    import pytest

    from praxcloud.core.plugins import PluginError

    with pytest.raises(PluginError) as refused:
        enable(registry, rp_id="https://not a domain", origins=["ftp://x"], colour="red")
    assert set(refused.value.fields) == {"rp_id", "origins.0", "colour"}


def test_an_account_with_the_most_keys_gets_no_more_registration_options(webauthn, testapp,
                                                                         monkeypatch):
    from plugins.mfa_webauthn import service

    monkeypatch.setattr(service, "MAX_CREDENTIALS_PER_USER", 2)
    headers = api_headers(testapp)
    register_key(testapp, headers, name="One")
    register_key(testapp, headers, name="Two")
    refused = testapp.post("/api/v1/acme/mfa/webauthn/register/options", headers=headers,
                           status=409).json["error"]
    assert refused["code"] == "too_many_keys"
    with tenant_request(webauthn, "acme") as request:
        assert len(request.tenant_db.scalars(select(WebauthnChallenge)).all()) == 2


def test_renaming_refuses_bad_names_and_ids_that_are_not_keys(webauthn, testapp):
    headers = api_headers(testapp)
    _, answer = register_key(testapp, headers)
    url = f"/api/v1/acme/mfa/webauthn/credentials/{answer['id']}"
    for name, reason in (("   ", "give the security key a name"),
                         ("x" * 81, "the name is longer than 80 characters"),
                         ("Blue\x07key", "the name contains control characters"),
                         (7, "give the security key a name")):
        refused = testapp.patch_json(url, {"name": name}, headers=headers, status=422).json
        assert refused["error"]["fields"] == {"name": reason}, name
    refused = testapp.patch_json(url, {"name": "Red", "colour": "red"}, headers=headers,
                                 status=422).json
    assert refused["error"]["fields"] == {"colour": "unknown field"}
    for key_id in ("0", "abc", "01", str(2**31)):
        testapp.patch_json(f"/api/v1/acme/mfa/webauthn/credentials/{key_id}", {"name": "Red"},
                           headers=headers, status=404)
    listed = testapp.get("/api/v1/acme/mfa/webauthn/credentials", headers=headers).json
    assert [key["name"] for key in listed["credentials"]] == ["Blue key"]


def test_login_options_for_a_login_without_a_key_method_are_refused(webauthn, testapp):
    from praxcloud.core.models import LoginChallenge

    register_key(testapp, api_headers(testapp))
    mfa_token = start_login(testapp)
    with tenant_request(webauthn, "acme") as request:
        for challenge in request.tenant_db.scalars(select(LoginChallenge)):
            challenge.methods = ["totp"]
    refused = login_options(testapp, mfa_token, status=400)
    assert refused["error"]["code"] == "mfa_method_invalid"
    assert testapp.post_json("/api/v1/acme/mfa/webauthn/login-options", {"mfa_token": 5},
                             status=401).json["error"]["code"] == "mfa_token_invalid"


def test_passkey_bodies_are_checked_field_by_field(passwordless, testapp):
    url = "/api/v1/acme/auth/passkey"
    for body, field in (({"credential": {}}, "passkey_token"),
                        ({"passkey_token": "", "credential": {}}, "passkey_token"),
                        ({"passkey_token": "t" * 201, "credential": {}}, "passkey_token"),
                        ({"passkey_token": "t", "credential": []}, "credential"),
                        ({"passkey_token": "t", "credential": {}, "user": "x"}, "user")):
        refused = testapp.post_json(url, body, status=422).json["error"]
        assert set(refused["fields"]) == {field}, body
    assert testapp.post(url, "passkey", headers={"Content-Type": "text/plain"},
                        status=415).json["error"]["code"] == "unsupported_media_type"


def test_the_relying_party_never_follows_the_host_header(passwordless, testapp):
    """Without rp_id the site is praxcloud.base_url's host (localhost here), whatever Host says."""
    evil = {"HTTP_HOST": "evil.example"}
    headers = api_headers(testapp)
    options = testapp.post("/api/v1/acme/mfa/webauthn/register/options", headers=headers,
                           extra_environ=evil).json
    assert options["rp"]["id"] == "localhost"
    # A key answering for the attacker's site is refused; one for the real site is kept.
    refused = testapp.post_json("/api/v1/acme/mfa/webauthn/register",
                                {"name": "Key", "credential": Key(uv=True).register(
                                    options, origin="http://evil.example")},
                                headers=headers, extra_environ=evil, status=400).json
    assert "origin" in refused["error"]["message"]
    options = testapp.post("/api/v1/acme/mfa/webauthn/register/options", headers=headers,
                           extra_environ=evil).json
    key = Key(uv=True)
    testapp.post_json("/api/v1/acme/mfa/webauthn/register",
                      {"name": "Key", "credential": key.register(options)},
                      headers=headers, extra_environ=evil, status=201)
    start = testapp.post("/api/v1/acme/auth/passkey/options", extra_environ=evil).json
    assert start["options"]["rpId"] == "localhost"
    refused = testapp.post_json("/api/v1/acme/auth/passkey",
                                {"passkey_token": start["passkey_token"],
                                 "credential": key.assert_(start["options"],
                                                           origin="http://evil.example")},
                                extra_environ=evil, status=400).json
    assert "origin" in refused["error"]["message"]


def test_passwordless_requires_the_user_handle_of_the_keys_owner(passwordless, testapp):
    key, _ = register_key(testapp, api_headers(testapp), key=Key(uv=True))
    for handle in (None, "", "b3RoZXItdXNlcg"):  # missing, empty, another account's
        start = testapp.post("/api/v1/acme/auth/passkey/options").json
        credential = key.assert_(start["options"])
        response = dict(credential["response"])
        if handle is None:
            del response["userHandle"]
        else:
            response["userHandle"] = handle
        refused = testapp.post_json("/api/v1/acme/auth/passkey",
                                    {"passkey_token": start["passkey_token"],
                                     "credential": {**credential, "response": response}},
                                    status=400).json
        assert refused["error"]["code"] == "webauthn_unknown_credential", handle
    start = testapp.post("/api/v1/acme/auth/passkey/options").json
    testapp.post_json("/api/v1/acme/auth/passkey",
                      {"passkey_token": start["passkey_token"],
                       "credential": key.assert_(start["options"])}, status=200)
