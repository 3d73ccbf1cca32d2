"""Every view that changes who may do what asks for a recent login: checked on the registered views.

The rule, by the URL a view answers (its route's pattern): a view for
POST, PUT, PATCH or DELETE under

- the tenant console's ``/{tenant}/users``, ``/groups``, ``/settings``,
  ``/plugins`` and ``/account`` (password, second factors, sessions),
- the API's ``/api/v1/{tenant}/users``, ``/me``, ``/sessions`` and ``/mfa``,
- the operators' ``/platform/tenants/{slug}/...`` (contract, suspend, delete)
  and ``/platform/account/...`` (their second factors)

must declare ``recent_auth=True``, whoever registered it (the core or an
installed plugin), unless it is in ``EXEMPT`` below with the reason why. A
view registered for any method on such a route must be one that only
answers 405.
"""

from __future__ import annotations

import re

from pyramid.interfaces import IRoutesMapper

GUARDED_PATTERNS = (
    re.compile(r"^/\{tenant\}/(users|groups|settings|plugins|account)(/|$)"),
    re.compile(r"^/api/v1/\{tenant\}/(users|me|sessions|mfa)(/|$)"),
    re.compile(r"^/platform/tenants/\{slug\}/"),
    re.compile(r"^/platform/account/"),
)
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})

OWN_PASSWORD = ("changing one's own password asks for the current one, which is itself the "
                "proof of identity (and is counted like a confirmation)")
OWN_SESSION = ("ends one of the user's own sessions: it only takes access away, and a user who "
               "finds a stolen session must be able to end it without more questions")
EXEMPT = {
    ("console.reauth", "POST"): "the password confirmation that step-up sends the user to",
    ("console.account", "POST"): OWN_PASSWORD,
    ("api.me.password", "POST"): OWN_PASSWORD,
    ("console.session_revoke", "POST"): OWN_SESSION,
    ("api.session", "DELETE"): OWN_SESSION,
    ("mfa_webauthn.api.login_options", "POST"): ("a step of logging in, authorised by the "
                                                 "mfa_token: there is no session yet"),
}


def registered_views(registry):
    """(route name, route pattern, methods or None, introspectable) of every route view."""
    patterns = {route.name: route.pattern
                for route in registry.getUtility(IRoutesMapper).get_routes()}
    for entry in registry.introspector.get_category("views"):
        view = entry["introspectable"]
        route = view["route_name"]
        if route is None:
            continue
        methods = view["request_methods"]
        if isinstance(methods, str):
            methods = (methods,)
        yield route, patterns[route], methods, view


def guarded(pattern: str) -> bool:
    return any(rule.match(pattern) for rule in GUARDED_PATTERNS)


def test_every_sensitive_view_asks_for_a_recent_login(registry):
    checked, missing, any_method = set(), [], []
    for route, pattern, methods, view in registered_views(registry):
        if not guarded(pattern):
            continue
        if methods is None:
            name = getattr(view["callable"], "__qualname__", "")
            if "method_not_allowed" not in name:
                any_method.append(f"{route} ({name})")
            continue
        for method in sorted(set(methods) & MUTATING):
            checked.add((route, method))
            if (route, method) in EXEMPT:
                continue
            if view.get("recent_auth") is not True:
                param = view["request_param"]
                missing.append(f"{method} {pattern} ({route}{f', {param}' if param else ''})")
    assert not missing, "views that change security without step-up: " + "; ".join(missing)
    assert not any_method, "any-method views on guarded routes: " + "; ".join(any_method)
    # The rule reaches what it is meant to: the core's and the plugins' views.
    for expected in [("console.groups", "POST"), ("console.settings", "POST"),
                     ("console.plugin", "POST"), ("api.users", "POST"),
                     ("mfa_totp.api", "DELETE"), ("mfa_webauthn.key_remove", "POST"),
                     ("platform.tenant_plugins", "POST"), ("platform.tenant_delete", "POST"),
                     ("platform.tenant_status", "POST"), ("platform.key_remove", "POST")]:
        assert expected in checked, expected
    # And every exemption still names a view that exists.
    assert set(EXEMPT) <= checked, set(EXEMPT) - checked


def test_forms_that_only_display_need_no_step_up(registry):
    # Reading a settings or group page is not a change: the password is asked at submit.
    for route, _pattern, methods, view in registered_views(registry):
        if route in ("console.settings", "console.groups", "console.group", "console.plugins",
                     "platform.tenant_plugins", "platform.tenant") and methods == ("GET",):
            assert not view.get("recent_auth"), route
