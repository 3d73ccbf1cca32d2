"""The core's own attempt limits, in force with no protection plugin: logins and reset mails.

Logins. Every way in (a password on the API or the console, passkey sign-in)
passes :func:`praxcloud.core.auth.check_login_allowed`, which calls
:func:`reserve_attempt` before any credential is checked. An attempt counts
in two fixed windows of ``praxcloud.login_limit_window_seconds`` (900) in
the tenant's shared state (Redis in production, so that every web process
sees the same counts):

- per account and client address: ``praxcloud.login_limit_per_client`` (10);
- per account, from any address: ``praxcloud.login_limit_per_account`` (50).

The attempt is counted before the password is checked, with one atomic
increment per window, so attempts made at once from many processes cannot
all slip under a limit. An attempt whose credential proves right gives its
count back (:func:`attempt_succeeded`): its (account, address) window starts
again, and the account's window loses this one attempt only, so a login
never wipes out failures that others made. Over a limit the attempt is
refused (429 with Retry-After) without checking anything. Accounts are
counted by the login as typed (normalised, hashed), so an account that does
not exist is answered exactly as one that does. When the shared state
cannot answer, every login is refused (503, logged): fail closed.

A plugin that limits attempts itself (the slowdown plugin) answers the hook
``praxcloud_replaces_login_limits`` with ``True``, and this baseline stands
aside for that tenant.

Reset mails. ``forgot-password`` spends one of the client address's
``praxcloud.reset_mail_limit_per_client`` requests (20) and, when a mail
would go out, one of the account's ``praxcloud.reset_mail_limit_per_email``
mails (3), both per ``praxcloud.reset_mail_limit_window_seconds`` (3600).
Over a budget no mail goes out, and the answer stays the same: nothing
tells the client whether a mail was sent.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
from dataclasses import dataclass, fields

from .settings import settings_of

log = logging.getLogger(__name__)

NAMESPACE = "login_limits"
# Where reserve_attempt leaves the keys an attempt counted in; an environ
# key without the HTTP_ prefix cannot come from a client.
_RESERVED_ENVIRON_KEY = "praxcloud.login_attempt"
# How long to wait before trying again when the shared state is down.
UNAVAILABLE_RETRY_AFTER = 60


@dataclass(frozen=True)
class Limits:
    """The baseline's numbers, from the ini (``praxcloud.<field name>``)."""

    login_limit_per_client: int = 10
    login_limit_per_account: int = 50
    login_limit_window_seconds: int = 15 * 60
    reset_mail_limit_per_email: int = 3
    reset_mail_limit_per_client: int = 20
    reset_mail_limit_window_seconds: int = 60 * 60

    @classmethod
    def from_settings(cls, settings) -> Limits:
        values = {}
        for item in fields(cls):
            key = f"praxcloud.{item.name}"
            value = getattr(settings_of(settings), item.name)
            if value < 1:
                raise ValueError(f"{key} must be a positive whole number, not {value!r}")
            values[item.name] = value
        return cls(**values)


def limits_of(registry) -> Limits:
    found = getattr(registry, "login_limits", None)
    # A registry built without includeme (a bare script) reads the settings itself.
    return found if found is not None else Limits.from_settings(registry.settings)


@dataclass(frozen=True)
class Refusal:
    """Why an attempt may not go on: over a limit (429) or the counters are down (503)."""

    status: int
    retry_after: int
    # The attempt that crossed the limit; later ones in the window are not
    # worth an audit row each (refusing must stay cheap).
    first: bool = False

    @property
    def unavailable(self) -> bool:
        return self.status == 503


def _state(request):
    return request.registry.shared_state.for_tenant(request.tenant.slug).namespace(NAMESPACE)


def _digest(*parts: str) -> str:
    # Logins are personal data: the store sees only a hash of them.
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:40]


def client_bucket(address: str | None) -> str:
    """The client address an attempt is counted under.

    An IPv6 client usually holds a whole /64, so it counts as one address.
    """
    if not address:
        return "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))


def login_keys(login: str, address: str | None) -> tuple[str, str]:
    """The (account and address) key and the account key one attempt counts in."""
    # As local_auth finds accounts: "Staff@X " and "staff@x" are one account.
    account = _digest(login.strip().lower())
    return f"pair:{_digest(account, client_bucket(address))}", f"account:{account}"


def stands_aside(request) -> bool:
    """True when one of the tenant's plugins limits logins itself."""
    try:
        return request.tenant_hooks.praxcloud_replaces_login_limits(request=request) is True
    except Exception:
        # The plugin could not say: the baseline stays (fail closed).
        log.exception("praxcloud_replaces_login_limits failed; the core's login limit applies")
        return False


def _retry_after(state, key: str, window: int) -> int:
    left = state.ttl(key)
    return max(1, math.ceil(left if left is not None else window))


def reserve_attempt(request, login: str) -> Refusal | None:
    """Count a login attempt for ``login`` from this client; a Refusal when it may not go on."""
    if stands_aside(request):
        return None
    limits = limits_of(request.registry)
    window = limits.login_limit_window_seconds
    pair_key, account_key = login_keys(login, request.client_addr)
    try:
        state = _state(request)
        # The address's own budget first: a client refused there does not
        # also use up the account's budget for everyone else.
        pair = state.incr(pair_key, window)
        if pair > limits.login_limit_per_client:
            return Refusal(429, _retry_after(state, pair_key, window),
                           first=pair == limits.login_limit_per_client + 1)
        total = state.incr(account_key, window)
        if total > limits.login_limit_per_account:
            return Refusal(429, _retry_after(state, account_key, window),
                           first=total == limits.login_limit_per_account + 1)
    except Exception:
        log.exception("login limits: the shared state failed; refusing logins (fail closed)")
        return Refusal(503, UNAVAILABLE_RETRY_AFTER, first=True)
    request.environ[_RESERVED_ENVIRON_KEY] = (pair_key, account_key)
    return None


def attempt_succeeded(request) -> None:
    """The credential of this request's attempt was right: give its count back.

    The (account, address) window starts again; the account's window loses
    this attempt only. Called once the first factor (or a passkey) has
    proved who it is; nothing to do when no attempt was counted.
    """
    reserved = request.environ.pop(_RESERVED_ENVIRON_KEY, None)
    if reserved is None:
        return
    pair_key, account_key = reserved
    try:
        state = _state(request)
        state.delete(pair_key)
        state.decr(account_key)
    except Exception:
        # The attempt then stays counted as a failure: stricter, never looser.
        log.exception("login limits: could not give back a successful attempt's count")


# Reset mails -----------------------------------------------------------------
def _spend(state, key: str, budget: int, window: int) -> bool:
    return state.incr(key, window) <= budget


def spend_reset_request(request) -> bool:
    """Count a forgot-password request from this client; False when over its budget."""
    limits = limits_of(request.registry)
    key = f"reset:client:{_digest(client_bucket(request.client_addr))}"
    try:
        return _spend(_state(request), key, limits.reset_mail_limit_per_client,
                      limits.reset_mail_limit_window_seconds)
    except Exception:
        log.exception("reset mails: the shared state failed; no mail goes out (fail closed)")
        return False


def spend_reset_mail(request, user_id: int) -> bool:
    """Count a reset mail to user ``user_id``; False when their budget is spent."""
    limits = limits_of(request.registry)
    try:
        return _spend(_state(request), f"reset:user:{int(user_id)}",
                      limits.reset_mail_limit_per_email, limits.reset_mail_limit_window_seconds)
    except Exception:
        log.exception("reset mails: the shared state failed; no mail goes out (fail closed)")
        return False


def includeme(config) -> None:
    # Read once, at start-up: a bad value stops the server instead of a login.
    config.registry.login_limits = Limits.from_settings(config.registry.settings)
