"""The plugin's routes: console pages under ``/{tenant}/account/mfa/totp``, and the API's."""

from __future__ import annotations

from praxcloud.plugin import add_plugin_routes

C = "/{tenant}/account/mfa/totp"
A = "/api/v1/{tenant}/mfa/totp"

CONSOLE_ROUTES = (
    ("mfa_totp.manage", C),
    ("mfa_totp.enrol", C + "/enrol"),
    ("mfa_totp.qr", C + "/qr.png"),
    ("mfa_totp.confirm", C + "/confirm"),
    ("mfa_totp.disable", C + "/disable"),
    ("mfa_totp.recovery_codes", C + "/recovery-codes"),
)
# Route name -> pattern and the methods it serves (any other answers 405 with Allow).
API_ROUTES = {
    "mfa_totp.api": (A, ("DELETE", "GET")),
    "mfa_totp.api.enrol": (A + "/enrol", ("POST",)),
    "mfa_totp.api.confirm": (A + "/confirm", ("POST",)),
    "mfa_totp.api.recovery_codes": (A + "/recovery-codes", ("POST",)),
}
# What a user whom the tenant requires to enrol must reach to do it, console and API.
ENROL_ROUTES = ("mfa_totp.manage", "mfa_totp.enrol", "mfa_totp.qr", "mfa_totp.confirm",
                "mfa_totp.api", "mfa_totp.api.enrol", "mfa_totp.api.confirm")


def add_routes(config) -> None:
    add_plugin_routes(config, CONSOLE_ROUTES, API_ROUTES)
