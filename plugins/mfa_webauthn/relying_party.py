"""Who the relying party is: the RP ID and the origins assertions may come from.

A tenant may name them in the plugin's settings (``rp_id``, ``origins``).
When ``rp_id`` is empty they follow the platform's own address,
``praxcloud.base_url`` (``http://localhost:6543`` in development, where
browsers treat localhost as a secure context). Never the request's Host
header: that is the client's to choose, and a key registered or used for
``Host: evil.example`` would be bound to the attacker's name.
"""

from __future__ import annotations

from dataclasses import dataclass

from praxcloud.plugin import settings_of, webauthn

from .tenant_settings import plugin_settings


@dataclass(frozen=True)
class RelyingParty:
    id: str
    name: str
    origins: tuple[str, ...]


class RelyingPartyUnknown(RuntimeError):
    """Neither the tenant's ``rp_id`` nor a usable ``praxcloud.base_url`` names the site."""


def relying_party(request) -> RelyingParty:
    settings = plugin_settings(request)
    name = settings.get("rp_name") or request.tenant.name
    rp_id = settings.get("rp_id") or ""
    if rp_id:
        origins = tuple(settings.get("origins") or ()) or (f"https://{rp_id}",)
        return RelyingParty(rp_id, name, origins)
    rp_id, origins = site_of(settings_of(request).base_url)
    return RelyingParty(rp_id, name, origins)


def site_of(base_url: str | None) -> tuple[str, tuple[str, ...]]:
    """The RP ID (host name) and the one origin of the platform's configured address."""
    site = webauthn.site_of(base_url)
    if site is None:
        # Fail closed: no security-key ceremony without knowing whose site this is.
        raise RelyingPartyUnknown("praxcloud.base_url is not an http(s) address; set it, or the "
                                  "mfa_webauthn setting rp_id")
    rp_id, origin = site
    return rp_id, (origin,)
