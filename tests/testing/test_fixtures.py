"""praxcloud.testing's fixtures do what they say, as a plugin's tests would use them."""

from __future__ import annotations

import pytest

from praxcloud.testing import PASSWORD, FakeClock, api_login, bearer, need


def test_need_passes_when_the_condition_holds():
    need(True, "never shown")


def test_need_skips_or_fails_in_strict_mode(monkeypatch):
    monkeypatch.setenv("PRAXCLOUD_TEST_STRICT", "1")
    with pytest.raises(pytest.fail.Exception, match="no such service"):
        need(False, "no such service")
    monkeypatch.setenv("PRAXCLOUD_TEST_STRICT", "0")
    with pytest.raises(pytest.skip.Exception, match="no such service"):
        need(False, "no such service")


def test_settings_put_the_databases_and_mail_under_the_test_directory(settings, backend,
                                                                      tmp_path):
    assert settings["praxcloud.tenant_db_backend"] == backend
    assert settings["mail.top_level_directory"].startswith(str(tmp_path))
    if backend == "sqlite":
        assert str(tmp_path) in settings["praxcloud.platform_db_url"]


def test_app_registry_and_testapp_are_one_app(app, registry, testapp):
    assert registry is app.registry
    assert testapp.app is app
    testapp.get("/api/v1/nobody/me", status=404)


def test_tenant_has_its_three_users_who_can_log_in(tenant, testapp):
    assert tenant.slug == "acme" and tenant.name == "Acme Care"
    for email in ("admin@acme.test", "staff@acme.test", "reader@acme.test"):
        token = api_login(testapp, "acme", email)
        me = testapp.get("/api/v1/acme/me", headers=bearer(token)).json
        assert me["email"] == email


def test_make_user_puts_the_user_in_its_groups(make_tenant, make_user, api_client):
    make_tenant("beta")
    user_id = make_user("beta", "boss@beta.test", password="another long secret",
                        groups=("admin",))
    client = api_client("beta", "boss@beta.test", "another long secret")
    me = client.get("/api/v1/beta/me").json
    assert me["id"] == user_id and "admin" in me["groups"]


def test_make_tenant_enables_and_configures_plugins(make_tenant, registry):
    made = make_tenant("acme", plugins={"mfa_totp": {}})
    assert made.enabled_plugins == {"mfa_totp"}
    assert make_tenant("beta").enabled_plugins == frozenset()


def test_enable_plugin_validates_through_the_core(tenant, enable_plugin):
    settings = enable_plugin("acme", "mfa_webauthn", {"passwordless": True})
    assert settings["passwordless"] is True
    with pytest.raises(Exception, match="already enabled"):
        enable_plugin("acme", "mfa_webauthn")
    with pytest.raises(Exception, match="invalid settings") as refused:
        enable_plugin("acme", "mfa_totp", {"passwordless": True})
    assert "passwordless" in refused.value.fields


def test_api_client_sends_its_token_with_every_method(tenant, api_client):
    client = api_client("acme", "staff@acme.test")
    assert client.get("/api/v1/acme/me").json["email"] == "staff@acme.test"
    created = client.post_json("/api/v1/acme/records", {"name": "Ada"}, status=201).json
    client.patch_json(f"/api/v1/acme/records/{created['id']}", {"name": "Ada L."})
    client.delete(f"/api/v1/acme/records/{created['id']}", status=204)
    # A header given to a call wins; an empty one sends none.
    client.get("/api/v1/acme/me", headers={"Authorization": ""}, status=401)


def test_console_client_is_logged_in_and_holds_the_csrf_token(tenant, console_client):
    client = console_client("acme", "staff@acme.test")
    assert client.CSRF_FIELD == "csrf_token" and client.csrf_token
    page = client.get("/acme/")
    assert "staff@acme.test" in page.text
    # The token is the session's: the logout form accepts it, and then the session is over.
    client.post_form("/acme/logout", status=303)
    client.get("/acme/", status=303)


def test_mailbox_reads_the_last_mail_to_an_address_and_its_links(tenant, testapp, mailbox):
    assert len(mailbox) == 0
    testapp.post_json("/api/v1/acme/auth/forgot-password", {"email": "staff@acme.test"},
                      status=202)
    mail = mailbox.last("staff@acme.test")
    assert mail.to == "staff@acme.test" and mail.subject
    assert mail.link("/acme/reset-password/").startswith("http://localhost/acme/")
    assert mailbox.to("admin@acme.test") == []
    mailbox.clear()
    assert mailbox.messages == []


def test_fake_clock_moves_only_when_advanced(registry, fake_clock):
    assert isinstance(fake_clock, FakeClock)
    before = fake_clock()
    fake_clock.advance(90)
    assert fake_clock() == before + 90
    # The app's shared state keeps time by it: a window ends when the test says so.
    state = registry.shared_state.namespace("fixture-test")
    state.set("window", "open", ttl_seconds=60)
    fake_clock.advance(59)
    assert state.get("window") == "open"
    fake_clock.advance(2)
    assert state.get("window") is None


def test_tenant_request_is_a_committed_transaction_on_the_tenant(tenant, tenant_request):
    from sqlalchemy import func, select

    from praxcloud.plugin import Record

    with tenant_request("acme") as request:
        assert request.tenant.slug == "acme"
        request.tenant_db.add(Record(name="Grace"))
    with tenant_request() as request:
        assert request.tenant_db.scalar(select(func.count()).select_from(Record)) == 1


def test_password_is_every_fixture_users_password(tenant, testapp):
    testapp.post_json("/api/v1/acme/auth/login",
                      {"email": "staff@acme.test", "password": PASSWORD}, status=200)
