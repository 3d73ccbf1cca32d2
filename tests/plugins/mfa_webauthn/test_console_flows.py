"""The console with a software key: register, rename, remove, second factor, passkey sign-in."""

from __future__ import annotations

import json
from email import message_from_string, policy

from sqlalchemy import select

from plugins.mfa_webauthn.models import WebauthnCredential
from praxcloud.core.scripting import tenant_request
from praxcloud.core.security import CONSOLE_COOKIE
from praxcloud.testing import PASSWORD
from tests.api.conftest import audit_events, set_tenant_settings
from tests.console.conftest import alert_text, field_error, login, mail_files

from .conftest import Key, age_sessions, api_headers, register_key, tamper_client_data

MANAGE = "/acme/account/mfa/webauthn"


def options_of(page, selector: str) -> dict:
    holder = page.html.select_one(selector)
    assert holder is not None, page.text
    return json.loads(holder["data-options"])


def send_credential(form, credential: dict | str, status="*"):
    text = credential if isinstance(credential, str) else json.dumps(credential)
    form.fields["credential"][0].force_value(text)
    return form.submit(status=status)


def register_in_console(testapp, key: Key, name: str = "Blue key"):
    page = testapp.get(MANAGE + "/new")
    form = page.forms["webauthn-register-form"]
    form["name"] = name
    return send_credential(form, key.register(options_of(page, "#webauthn-register-form")))


def stored_keys(registry) -> list[tuple[str, int]]:
    with tenant_request(registry, "acme") as request:
        return [(k.name, k.sign_count) for k in request.tenant_db.scalars(
            select(WebauthnCredential).order_by(WebauthnCredential.id))]


def mail_subjects(settings) -> list[str]:
    return [message_from_string(path.read_text(), policy=policy.default)["Subject"]
            for path in mail_files(settings)]


def test_register_rename_and_remove_a_key_in_the_console(webauthn, testapp, settings, backend):
    login(testapp, "staff@acme.test")
    page = testapp.get(MANAGE)
    assert "You have no security key yet." in page.text
    answer = register_in_console(testapp, Key(), "Blue key")
    assert answer.status_int == 303 and answer.location.endswith(MANAGE)
    page = answer.follow()
    assert "Security key “Blue key” added." in page.text
    row = page.html.select_one("table.webauthn-keys tbody tr")
    assert row.select_one(".key-name").get_text() == "Blue key"
    assert "never" in row.get_text() and "passkey" in row.get_text()
    assert any("security key was added" in s for s in mail_subjects(settings))

    key_id = row["id"].removeprefix("key-")
    form = testapp.get(f"{MANAGE}/{key_id}").forms["rename-form"]
    form["name"] = ""
    refused = form.submit(status=422)
    assert field_error(refused, "name") == "Give the security key a name."
    form = refused.forms["rename-form"]
    form["name"] = "Red key"
    assert "renamed to “Red key”" in form.submit(status=303).follow().text

    form = testapp.get(f"{MANAGE}/{key_id}/remove").forms["remove-form"]
    assert "Security key “Red key” removed." in form.submit(status=303).follow().text
    assert stored_keys(webauthn) == []
    assert any("security key was removed" in s for s in mail_subjects(settings))


def test_a_bad_attestation_is_a_form_message_not_an_error_page(webauthn, testapp):
    login(testapp, "staff@acme.test")
    page = testapp.get(MANAGE + "/new")
    form = page.forms["webauthn-register-form"]
    form["name"] = "Blue key"
    credential = tamper_client_data(Key().register(options_of(page, "#webauthn-register-form")),
                                    origin="https://evil.example")
    refused = send_credential(form, credential, status=422)
    assert "was not accepted" in alert_text(refused)
    assert refused.forms["webauthn-register-form"]["name"].value == "Blue key"
    refused = send_credential(refused.forms["webauthn-register-form"], "{not json", status=422)
    assert "not valid JSON" in alert_text(refused)
    refused = send_credential(refused.forms["webauthn-register-form"], "", status=422)
    assert "Use your security key first." in alert_text(refused)
    assert stored_keys(webauthn) == []


def test_changing_keys_needs_a_recent_login(webauthn, testapp):
    login(testapp, "staff@acme.test")
    register_in_console(testapp, Key())
    key_id = testapp.get(MANAGE).html.select_one("table.webauthn-keys tbody tr")["id"][4:]
    age_sessions(webauthn)
    for path in ("/new", f"/{key_id}", f"/{key_id}/remove"):
        answer = testapp.get(MANAGE + path, status=303)
        assert "/acme/account/confirm?next=" in answer.location, path
    # A POST from an old form is sent to confirm too; nothing is removed.
    csrf = testapp.get(MANAGE).html.select_one("input[name=csrf_token]")["value"]
    answer = testapp.post(f"{MANAGE}/{key_id}/remove", {"csrf_token": csrf}, status=303)
    assert "/acme/account/confirm" in answer.location
    assert len(stored_keys(webauthn)) == 1
    # After confirming the password the removal goes through.
    confirm = testapp.get(answer.location).forms["reauth-form"]
    confirm["password"] = PASSWORD
    confirm.submit(status=303)
    testapp.get(f"{MANAGE}/{key_id}/remove").forms["remove-form"].submit(status=303)
    assert stored_keys(webauthn) == []


def test_removing_a_key_through_the_api_needs_a_recent_login(webauthn, testapp):
    headers = api_headers(testapp)
    _, answer = register_key(testapp, headers)
    age_sessions(webauthn)
    url = f"/api/v1/acme/mfa/webauthn/credentials/{answer['id']}"
    assert testapp.delete(url, headers=headers, status=403).json["error"]["code"] == (
        "reauth_required")
    testapp.post("/api/v1/acme/mfa/webauthn/register/options", headers=headers, status=403)
    testapp.post_json("/api/v1/acme/auth/reauth", {"password": PASSWORD}, headers=headers)
    testapp.delete(url, headers=headers, status=204)


def test_the_console_login_asks_for_the_key(webauthn, testapp, backend):
    key, _ = register_key(testapp, api_headers(testapp))
    answer = login(testapp, "staff@acme.test")
    assert answer.location.endswith("/acme/login/mfa")
    page = answer.follow()
    assert page.html.select_one("#webauthn-use-key") is not None
    assert page.html.select_one("script[src*='/static/webauthn.']") is not None
    form = page.forms["mfa-form"]
    done = send_credential(form, key.assert_(options_of(page, ".webauthn-prompt")), status=303)
    assert done.location.endswith("/acme/")
    assert testapp.cookies.get(CONSOLE_COOKIE)
    assert stored_keys(webauthn) == [("Blue key", 1)]


def test_a_wrong_answer_on_the_console_login_shows_a_message_and_a_fresh_challenge(
        webauthn, testapp):
    key, _ = register_key(testapp, api_headers(testapp))
    page = login(testapp, "staff@acme.test").follow()
    first = options_of(page, ".webauthn-prompt")
    credential = tamper_client_data(key.assert_(first), challenge="AAAA")
    refused = send_credential(page.forms["mfa-form"], credential, status=401)
    assert "not accepted" in alert_text(refused)
    second = options_of(refused, ".webauthn-prompt")
    assert second["challenge"] != first["challenge"]
    # The first challenge is spent; the fresh one works.
    replay = send_credential(refused.forms["mfa-form"], key.assert_(first), status=401)
    assert "not accepted" in alert_text(replay)
    third = options_of(replay, ".webauthn-prompt")
    send_credential(replay.forms["mfa-form"], key.assert_(third), status=303)


def test_passkey_sign_in_in_the_console(passwordless, testapp, backend):
    key, _ = register_key(testapp, api_headers(testapp), key=Key(uv=True))
    login_page = testapp.get("/acme/login")
    link = login_page.html.select_one("#login-methods a")
    assert link.get_text() == "Sign in with a passkey"
    page = testapp.get(link["href"] + "?next=/acme/records")
    options = options_of(page, "#passkey-form")
    assert options["allowCredentials"] == [] and options["userVerification"] == "required"
    done = send_credential(page.forms["passkey-form"], key.assert_(options), status=303)
    assert done.location.endswith("/acme/records")
    assert testapp.get("/acme/records").status_int == 200
    assert [e.details.get("kind") for e in audit_events(passwordless, "acme", "login")] == [
        "api", "console"]


def test_a_refused_passkey_is_a_form_message(passwordless, testapp):
    key, _ = register_key(testapp, api_headers(testapp), key=Key(uv=True))
    page = testapp.get("/acme/login/passkey")
    credential = tamper_client_data(key.assert_(options_of(page, "#passkey-form")),
                                    origin="https://evil.example")
    refused = send_credential(page.forms["passkey-form"], credential, status=400)
    assert "not accepted" in alert_text(refused)
    assert testapp.cookies.get(CONSOLE_COOKIE) is None
    refused = send_credential(refused.forms["passkey-form"], "[" * 10000, status=400)
    assert "not valid JSON" in alert_text(refused)
    # The replaced page carries a new challenge and token that work.
    send_credential(refused.forms["passkey-form"],
                    key.assert_(options_of(refused, "#passkey-form")), status=303)


def test_the_passkey_page_is_there_only_when_the_tenant_allows_it(webauthn, testapp):
    assert testapp.get("/acme/login").html.select_one("#login-methods") is None
    testapp.get("/acme/login/passkey", status=404)


def test_a_user_the_tenant_requires_to_enrol_can_register_a_key(webauthn, testapp):
    set_tenant_settings(webauthn, "acme", mfa_required_groups=["staff"])
    answer = login(testapp, "staff@acme.test")
    assert answer.location.endswith("/acme/account/mfa")
    assert testapp.get("/acme/records", status=303).location.endswith("/acme/account/mfa")
    overview = testapp.get("/acme/account/mfa")
    assert MANAGE in overview.text
    assert register_in_console(testapp, Key()).status_int == 303
    assert testapp.get("/acme/records").status_int == 200
    # The only factor of a user who must have one cannot be removed.
    key_id = testapp.get(MANAGE).html.select_one("table.webauthn-keys tbody tr")["id"][4:]
    page = testapp.get(f"{MANAGE}/{key_id}/remove")
    assert "remove-form" not in page.forms
    assert "is your only one" in alert_text(page)
    csrf = testapp.get(MANAGE).html.select_one("#logout-form input[name=csrf_token]")["value"]
    testapp.post(f"{MANAGE}/{key_id}/remove", {"csrf_token": csrf}, status=409)
    assert len(stored_keys(webauthn)) == 1


def test_a_user_the_tenant_requires_to_enrol_can_register_through_the_api(webauthn, testapp):
    set_tenant_settings(webauthn, "acme", mfa_required_groups=["staff"])
    headers = api_headers(testapp)
    testapp.get("/api/v1/acme/records", headers=headers, status=403)
    register_key(testapp, headers)
    assert testapp.get("/api/v1/acme/records", headers=headers).status_int == 200
    _, = testapp.get("/api/v1/acme/mfa/webauthn/credentials", headers=headers).json[
        "credentials"]
