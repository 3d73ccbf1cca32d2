"""The platform operators' console under ``/platform/``: tenants, contracts, plugins.

Operators never see a tenant's users or records (segregation of duties):
nothing here opens a tenant database except to provision or drop it. Plugins
add pages of their own to the menu (:mod:`.menu`), which read what the plugin
keeps per tenant through :mod:`praxcloud.core.platform_tenants`.
"""

from __future__ import annotations

P = "/platform"


def includeme(config) -> None:
    from ..operator_mfa.limits import LimitSettings

    # The operator login's schedule is checked at start-up: a bad value stops it, by name.
    LimitSettings.from_settings(config.registry)
    config.add_jinja2_search_path("praxcloud.core:templates", name=".jinja2")
    config.add_route("platform.home", P + "/")
    config.add_route("platform.login", P + "/login")
    config.add_route("platform.logout", P + "/logout")
    config.add_route("platform.confirm", P + "/confirm")
    config.add_route("platform.second_factor", P + "/login/second-factor")
    config.add_route("platform.unlock", P + "/login/unlock/{token}")
    config.add_route("platform.security", P + "/account/security")
    config.add_route("platform.totp", P + "/account/security/totp")
    config.add_route("platform.totp_qr", P + "/account/security/totp/qr")
    config.add_route("platform.totp_confirm", P + "/account/security/totp/confirm")
    config.add_route("platform.totp_remove", P + "/account/security/totp/remove")
    config.add_route("platform.key_new", P + "/account/security/keys/new")
    config.add_route("platform.key_remove", P + "/account/security/keys/{key_id:\\d+}/remove")
    config.add_route("platform.tenants", P + "/tenants")
    config.add_route("platform.tenant", P + "/tenants/{slug}")
    config.add_route("platform.tenant_status", P + "/tenants/{slug}/status")
    config.add_route("platform.tenant_delete", P + "/tenants/{slug}/delete")
    config.add_route("platform.tenant_plugins", P + "/tenants/{slug}/plugins")
    config.add_route("platform.plugins", P + "/plugins")
    config.add_route("platform.audit", P + "/audit")
    config.include(".menu")
    config.scan(".")
