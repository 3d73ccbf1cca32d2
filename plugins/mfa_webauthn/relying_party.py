"""Who the relying party is: the RP ID and the origins assertions may come from.

Production names them in the plugin's settings (``rp_id``, ``origins``). In
development, when ``rp_id`` is empty, they follow the address the request
came to, so ``http://localhost:6543`` works out of the box (browsers treat
localhost as a secure context). A production deployment must set them: the
Host header is the client's to choose.
"""

from __future__ import annotations

from dataclasses import dataclass

from .tenant_settings import plugin_settings


@dataclass(frozen=True)
class RelyingParty:
    id: str
    name: str
    origins: tuple[str, ...]


def relying_party(request) -> RelyingParty:
    settings = plugin_settings(request)
    name = settings.get("rp_name") or request.tenant.name
    rp_id = settings.get("rp_id") or ""
    if rp_id:
        origins = tuple(settings.get("origins") or ()) or (f"https://{rp_id}",)
        return RelyingParty(rp_id, name, origins)
    # request.host_url is scheme://host[:port] as the browser addressed us.
    host = request.host.rsplit(":", 1)[0] if not request.host.endswith("]") else request.host
    return RelyingParty(host.strip("[]"), name, (request.host_url,))
