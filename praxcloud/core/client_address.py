"""Who the client is: the peer's address, or X-Forwarded-For as far as trusted proxies vouch.

WebOb's ``request.client_addr`` believes the first ``X-Forwarded-For``
entry whoever sent it: any client could pick the address that login
limits, the slowdown, IP allowlists and the audit trail see. The core
replaces it with this, driven by ``praxcloud.trusted_proxies``, which every
ini must set (start-up fails without it, so a deployment behind a proxy
cannot forget it):

- ``none``: clients reach the app directly; ``X-Forwarded-For`` is ignored.
- a number *N* (``1``): exactly *N* proxies stand in front, each appending
  the address it received the request from; the client is the *N*-th entry
  from the right (entries further left were written by the client and
  prove nothing).
- addresses and networks (``127.0.0.1 10.0.0.0/8 fd00::/8``): starting at
  the peer, each hop that is one of them hands over to the entry left of
  it; the first hop that is not is the client. A peer outside them is the
  client, whatever it sent.

An entry that is not an IP address where one is needed leaves the last
trusted hop as the client (a proxy's own address is the most that can be
said then). IPv4-mapped IPv6 peers (``::ffff:10.0.0.1``) count as IPv4.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from .settings import SettingsError, settings_of

KEY = "praxcloud.trusted_proxies"
NetworkList = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]


@dataclass(frozen=True)
class TrustedProxies:
    count: int = 0
    networks: NetworkList = ()

    def trusts(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return any(address in network for network in self.networks)


def parse(value: str | None) -> TrustedProxies:
    """The setting's value, or SettingsError saying what it may be."""
    text = (value or "").strip()
    if not text:
        raise SettingsError({KEY: "is required: none (clients connect directly), the number "
                                  "of proxies in front, or their addresses and networks"})
    if text.lower() == "none":
        return TrustedProxies()
    if text.isdigit():
        count = int(text)
        if not 1 <= count <= 10:
            raise SettingsError({KEY: "a number of proxies is between 1 and 10"})
        return TrustedProxies(count=count)
    networks = []
    for item in text.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise SettingsError({KEY: f"{item!r} is not an IP address or network"}) from None
    return TrustedProxies(networks=tuple(networks))


def _address(text: str):
    try:
        found = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if found.version == 6 and found.ipv4_mapped is not None:
        return found.ipv4_mapped
    return found


def client_address(environ: dict, proxies: TrustedProxies) -> str | None:
    peer = environ.get("REMOTE_ADDR")
    if not proxies.count and not proxies.networks:
        return peer
    forwarded = [entry.strip() for header in [environ.get("HTTP_X_FORWARDED_FOR", "")]
                 for entry in header.split(",") if entry.strip()]
    if proxies.count:
        if len(forwarded) < proxies.count:
            return peer  # fewer hops than proxies: the request did not come through them
        found = _address(forwarded[-proxies.count])
        return str(found) if found is not None else peer
    current = _address(peer or "")
    if current is None or not proxies.trusts(current):
        return peer
    for entry in reversed(forwarded):
        hop = _address(entry)
        if hop is None:
            break
        current = hop
        if not proxies.trusts(hop):
            break
    return str(current)


def includeme(config) -> None:
    proxies = parse(settings_of(config.registry).trusted_proxies)
    config.registry.trusted_proxies = proxies

    def client_addr(request) -> str | None:
        return client_address(request.environ, proxies)

    # Replaces WebOb's property on the app's request class (request_class.py).
    config.add_request_method(client_addr, "client_addr", reify=True)
