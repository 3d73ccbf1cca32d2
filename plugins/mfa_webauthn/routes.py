"""The plugin's routes: the account's keys pages and passkey sign-in, and the API's."""

from __future__ import annotations

from praxcloud.plugin import add_method_not_allowed_views, add_plugin_routes

from .tenant_settings import NAME

C = "/{tenant}"
A = "/api/v1/{tenant}"

CONSOLE_ROUTES = (
    ("mfa_webauthn.manage", C + "/account/mfa/webauthn"),
    ("mfa_webauthn.new", C + "/account/mfa/webauthn/new"),
    ("mfa_webauthn.key", C + "/account/mfa/webauthn/{id}"),
    ("mfa_webauthn.key_remove", C + "/account/mfa/webauthn/{id}/remove"),
    ("mfa_webauthn.passkey_login", C + "/login/passkey"),
)
# Route name -> pattern and the methods it serves (any other answers 405 with Allow).
API_ROUTES = {
    "mfa_webauthn.api.credentials": (A + "/mfa/webauthn/credentials", ("GET",)),
    "mfa_webauthn.api.credential": (A + "/mfa/webauthn/credentials/{id}", ("DELETE", "PATCH")),
    "mfa_webauthn.api.register_options": (A + "/mfa/webauthn/register/options", ("POST",)),
    "mfa_webauthn.api.register": (A + "/mfa/webauthn/register", ("POST",)),
    "mfa_webauthn.api.login_options": (A + "/mfa/webauthn/login-options", ("POST",)),
    "mfa_webauthn.api.passkey_options": (A + "/auth/passkey/options", ("POST",)),
    "mfa_webauthn.api.passkey": (A + "/auth/passkey", ("POST",)),
}
# What a user whom the tenant requires to enrol may reach: the keys page and
# every step of registering one, in the console and through the API.
ENROL_ROUTES = ("mfa_webauthn.manage", "mfa_webauthn.new", "mfa_webauthn.api.credentials",
                "mfa_webauthn.api.register_options", "mfa_webauthn.api.register")


def add_routes(config) -> None:
    add_plugin_routes(config, CONSOLE_ROUTES, API_ROUTES)
    add_method_not_allowed_views(config, API_ROUTES, NAME)
