"""Saving a console list that would shut out the one saving it needs a confirmation."""

from __future__ import annotations

from .networks import BadNetwork, allows, parse

# Set in the environ by a view after the administrator confirmed (no HTTP_ prefix: no
# client header can set it).
CONFIRMED = "ipwhitelist.lockout_confirmed"


def leaves_out(console_networks: list[str], request) -> bool:
    """Would these console networks refuse the request's own client?"""
    return not allows(console_networks, request.client_addr)


def unreadable(lists: dict[str, list[str]]) -> dict[str, str]:
    """What is wrong with each list that holds an entry that is no address or network."""
    found = {}
    for key, entries in lists.items():
        try:
            parse(tuple(entries))
        except BadNetwork as exc:
            found[key] = str(exc)
    return found
