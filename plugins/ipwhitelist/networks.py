"""Parsing the allowed networks and checking an address against them.

Parsed lists are kept per distinct setting value (a small cache), so a
request costs one lookup and a membership test per network, not a parse.
IPv4-mapped IPv6 addresses (``::ffff:192.0.2.1``) are checked as IPv4.
"""

from __future__ import annotations

import functools
import ipaddress

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class BadNetwork(ValueError):
    pass


@functools.lru_cache(maxsize=256)
def parse(entries: tuple[str, ...]) -> tuple[Network, ...]:
    found = []
    for entry in entries:
        try:
            found.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise BadNetwork(f"{entry!r} is not an IP address or network") from None
    return tuple(found)


def address_of(text: str | None):
    try:
        found = ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None
    if found.version == 6 and found.ipv4_mapped is not None:
        return found.ipv4_mapped
    return found


def allows(entries: list[str], client: str | None) -> bool:
    """Does the list let ``client`` in? An empty list lets everyone in; an unreadable
    client address is let in by no list (fail closed)."""
    if not entries:
        return True
    address = address_of(client)
    return address is not None and any(address in network for network in parse(tuple(entries)))
