"""Required actions: what a user must do before anything else, held in their session.

An action (:class:`~.hook_types.RequiredAction`) comes from a plugin's
``praxcloud_authenticated`` answer at login, when open sessions are
re-evaluated (``reevaluate_sessions``), or from :func:`add_required_action`
on one session already open. Until the plugin clears it
(:func:`clear_required_action`) the session reaches only the routes of
:func:`required_action_routes`: the console sends the user to the first
action's ``route`` and the API answers 403 ``required_action`` (or the
action's own ``code``, such as ``password_expired``) naming that action,
with its ``message`` (:func:`refusal`).

The actions live in the session row's ``data`` under ``required_actions``:
they survive a restart and are the same in every process.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .hook_types import RequiredAction

SESSION_KEY = "required_actions"
# Reachable whatever is pending: leaving, and the console's styles and scripts.
ALWAYS_ALLOWED_ROUTES = frozenset({"console.logout", "api.auth.logout", "console.static"})
DEFAULT_MESSAGE = "finish what your institution requires first"
DEFAULT_CODE = "required_action"
ERROR_CODE = re.compile(r"[a-z][a-z0-9_]{0,62}")


def pending_required_actions(session) -> list[RequiredAction]:
    """The actions ``session`` must still do, in the order they were added."""
    return pending_in(session.data)


def pending_in(data: dict | None) -> list[RequiredAction]:
    """The actions pending in a session's ``data``."""
    return list((data or {}).get(SESSION_KEY) or [])


def _checked(action: RequiredAction) -> RequiredAction:
    """A copy of ``action`` with only the documented keys, or ValueError naming what is wrong."""
    if not isinstance(action, dict):
        raise ValueError("a required action is a dict with 'name' and 'route'")
    for key in ("name", "route"):
        if not isinstance(action.get(key), str) or not action[key]:
            raise ValueError(f"a required action needs a non-empty {key!r}")
    checked: RequiredAction = {"name": action["name"], "route": action["route"]}
    routes = action.get("routes")
    if routes is not None:
        if isinstance(routes, str) or not all(isinstance(r, str) for r in routes):
            raise ValueError("'routes' of a required action is a list of route names")
        checked["routes"] = list(routes)
    message = action.get("message")
    if message is not None:
        if not isinstance(message, str):
            raise ValueError("'message' of a required action is text")
        checked["message"] = message
    code = action.get("code")
    if code is not None:
        if not isinstance(code, str) or not ERROR_CODE.fullmatch(code):
            raise ValueError("'code' of a required action is an error code such as "
                             "'password_expired' (lower case, digits and _)")
        checked["code"] = code
    return checked


def add_required_action(session, action: RequiredAction) -> bool:
    """Confine ``session``, already open, to ``action`` from its next request on.

    ``session`` is the user's session row, ``request.praxcloud_identity.session``
    for the user of the current request. Returns False when an action of the
    same name is pending already (it is not added twice). Stored in the
    session row, in the request's transaction. For every open session of the
    tenant at once, answer ``praxcloud_authenticated`` accordingly and call
    ``reevaluate_sessions(request)`` instead.
    """
    checked = _checked(action)
    pending = pending_required_actions(session)
    if any(item.get("name") == checked["name"] for item in pending):
        return False
    # A new dict, so SQLAlchemy sees the change.
    session.data = {**(session.data or {}), SESSION_KEY: [*pending, checked]}
    return True


def clear_required_action(session, name: str) -> bool:
    """Mark the required action ``name`` of ``session`` done; True if it was pending.

    Plugins call this on the user's session (``request.praxcloud_identity.session``)
    when the user has done what the action asked (enrolled a second factor,
    accepted the terms); once none is left the session reaches every route
    its permissions allow.
    """
    data = dict(session.data or {})
    pending = data.get(SESSION_KEY) or []
    remaining = [action for action in pending if action.get("name") != name]
    if len(remaining) == len(pending):
        return False
    if remaining:
        data[SESSION_KEY] = remaining
    else:
        data.pop(SESSION_KEY, None)
    session.data = data  # a new dict, so SQLAlchemy sees the change
    return True


def required_action_routes(actions: Iterable[RequiredAction]) -> frozenset[str]:
    """The route names a session with ``actions`` pending may reach."""
    allowed = set(ALWAYS_ALLOWED_ROUTES)
    for action in actions:
        allowed.add(action.get("route"))
        allowed.update(action.get("routes") or ())
    return frozenset(route for route in allowed if route)


def refusal(actions: list[RequiredAction]) -> tuple[str, str, str]:
    """The action a confined user is asked to do now (the first), the message for it,
    and the API's error code."""
    first = actions[0]
    message = first.get("message")
    if not message:
        message = DEFAULT_MESSAGE + ": " + ", ".join(str(a.get("name")) for a in actions)
    return str(first.get("name")), message, str(first.get("code") or DEFAULT_CODE)
