"""One error hierarchy: every PraxError has a code and a status, and is answered
as the API's JSON error or as a console form's message, without a view translating it."""

from __future__ import annotations

import importlib.metadata

import pytest

from praxcloud.core import contracts, plugins
from praxcloud.core.audit_report import SubjectUnknown
from praxcloud.core.auth import AuthenticationFailed, LoginRefused, SecondFactorFailed
from praxcloud.core.errors import ApiError, PraxError, TenantUnavailable
from praxcloud.core.plugins import PluginError, PluginSettingsInvalid, UnknownPlugin
from praxcloud.core.provisioning import TenantExists, TenantNotFound
from praxcloud.core.stepup import ReauthFailed, ReauthRequired
from praxcloud.core.tenancy import InvalidSlug
from praxcloud.core.webauthn_ceremony import WebauthnRefused
from praxcloud.testing import api_login, bearer
from tests.console.conftest import alert_text, login

# Each subclass as it is raised, and the code and status it answers with.
RAISED = [
    (LoginRefused(), "login_refused", 429),
    (AuthenticationFailed(), "invalid_credentials", 401),
    (SecondFactorFailed(), "mfa_failed", 401),
    (WebauthnRefused("use your security key first", "webauthn_missing"), "webauthn_missing", 400),
    (PluginError("plugin 'x' is installed but broken"), "plugin_error", 400),
    (UnknownPlugin("no plugin named 'x' is installed"), "unknown_plugin", 404),
    (PluginSettingsInvalid("invalid settings for plugin 'x'", {"a": "b"}), "invalid_settings", 422),
    (TenantNotFound("acme"), "tenant_not_found", 404),
    (TenantExists("a tenant 'acme' already exists"), "tenant_exists", 409),
    (InvalidSlug("the slug 'api' is reserved"), "invalid_slug", 422),
    (TenantUnavailable("tenant_suspended", "suspended", 403), "tenant_suspended", 403),
    (SubjectUnknown(42), "not_found", 404),
    (ReauthRequired(), "reauth_required", 403),
    (ReauthFailed(False), "reauth_failed", 401),
    (ApiError("conflict", "already there", 409), "conflict", 409),
]


@pytest.mark.parametrize(("error", "code", "status"), RAISED,
                         ids=[type(e).__name__ for e, _, _ in RAISED])
def test_each_error_has_its_code_status_and_a_message(error, code, status):
    assert isinstance(error, PraxError)
    assert (error.code, error.status) == (code, status)
    assert error.message and str(error) == error.message
    assert error.body() == {"error": {"code": code, "message": error.message,
                                      "fields": error.fields}}


def test_old_names_and_bases_still_hold():
    assert isinstance(InvalidSlug("x"), ValueError)
    assert isinstance(SubjectUnknown(1), ValueError)
    assert TenantNotFound("acme").slug == "acme"
    assert issubclass(UnknownPlugin, PluginError)


def test_the_api_rendering_keeps_the_error_shape_and_headers():
    response = LoginRefused("too many login attempts", 30, 429, "too_many_attempts").json_response()
    assert response.status_int == 429
    assert response.content_type == "application/json"
    assert response.headers["Retry-After"] == "30"
    assert response.json == {"error": {"code": "too_many_attempts",
                                       "message": "too many login attempts", "fields": {}}}


def test_the_console_rendering_is_a_sentence():
    assert PluginError("settings: use at most 200 characters").form_message() == (
        "Settings: use at most 200 characters.")
    assert LoginRefused("slow down", retry_after=16).form_message() == (
        "Slow down. Please try again in 16 seconds.")
    assert AuthenticationFailed().form_message() == "The e-mail address or password is not right."


def test_a_login_refused_in_the_api_answers_without_a_translation(testapp, tenant):
    answer = testapp.post_json("/api/v1/acme/auth/login",
                               {"email": "staff@acme.test", "password": "wrong password"},
                               status=401)
    assert answer.json == {"error": {"code": "invalid_credentials",
                                     "message": "the e-mail or password is not right",
                                     "fields": {}}}


def test_a_console_form_shows_the_error_and_keeps_the_input(testapp, tenant):
    page = login(testapp, "staff@acme.test", "wrong password", status=401)
    assert alert_text(page) == "The e-mail address or password is not right."
    assert page.forms["login-form"]["email"].value == "staff@acme.test"


@pytest.fixture(autouse=True)
def error_plugin(monkeypatch):
    """The app of every test here discovers only the demo plugin (autouse: before ``app``)."""
    entry_point = importlib.metadata.EntryPoint(
        name="errors_demo", value="tests.core.error_plugin", group=plugins.ENTRY_POINT_GROUP)
    monkeypatch.setattr(plugins, "discover_entry_points", lambda: [entry_point])


@pytest.fixture
def token(registry, testapp, tenant):
    contracts.enable(registry, "acme", "errors_demo", {})
    return bearer(api_login(testapp, "acme", "staff@acme.test"))


def test_a_plugin_raising_from_its_api_view_gets_the_json_error(testapp, token):
    answer = testapp.get("/api/v1/acme/errors-demo/closed", headers=token, status=409)
    assert answer.json == {"error": {"code": "hello_closed",
                                     "message": "the greeting is closed on Sundays",
                                     "fields": {"day": "not on Sundays"}}}
    assert answer.headers["Retry-After"] == "60"


def test_an_unexpected_exception_is_a_500_without_details(testapp, token):
    answer = testapp.get("/api/v1/acme/errors-demo/boom", headers=token, status=500)
    assert answer.json == {"error": {"code": "internal_error",
                                     "message": "something went wrong on our side",
                                     "fields": {}}}
    assert "10.0.0.7" not in answer.text and "secret" not in answer.text


def test_a_plugin_form_is_answered_by_its_page_builder(testapp, token):
    answer = testapp.post("/acme/errors-demo/greet", {"name": "Ada"}, status=409)
    assert answer.json == {"name": "Ada", "error": "The greeting is closed on Sundays.",
                           "fields": {}}
