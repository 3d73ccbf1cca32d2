"""How many login attempts an operator account gets, counted in every web process alike.

Two fixed windows in the shared state (``registry.shared_state``, Redis in
production), both keyed by the login as typed (lower-cased, hashed: no
e-mail address sits in the store):

- per login and client address: ``praxcloud.operator_login_max_attempts``
  (10) in ``praxcloud.operator_login_window_minutes`` (15);
- per login from anywhere: ``praxcloud.operator_login_max_attempts_per_account``
  (30) in the same window, against guessing spread over many addresses.

Every answer that is checked counts, password or second factor, *before* it
is checked: an increment is atomic, so however many processes race, no more
answers are ever checked than the limit allows. A completed login (every
factor right) clears both counters. When the store cannot answer, the
attempt is refused (:class:`LimitUnavailable`): fail closed.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass

from ..settings import settings_of
from ..shared_state import SharedStateError

log = logging.getLogger(__name__)

NAMESPACE = "operators"


class LoginLimited(Exception):
    """Too many attempts: refused without looking at the answer."""

    def __init__(self, retry_after_seconds: int):
        super().__init__(f"retry after {retry_after_seconds} s")
        self.retry_after = retry_after_seconds

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))


class FirstRefusal(LoginLimited):
    """The attempt that went over the limit (audited once, not at every later refusal)."""


class LimitUnavailable(Exception):
    """The shared state could not count the attempt, so it is not checked at all."""


@dataclass(frozen=True)
class LimitSettings:
    per_address: int
    per_account: int
    window_seconds: int

    @classmethod
    def from_settings(cls, settings) -> LimitSettings:
        return cls(
            per_address=settings_of(settings).operator_login_max_attempts,
            per_account=settings_of(settings).operator_login_max_attempts_per_account,
            window_seconds=60 * settings_of(settings).operator_login_window_minutes,
        )


def login_key(login: str) -> str:
    """The login as the limit knows it: case and surrounding blanks do not make a new one."""
    normalised = (login or "").strip().lower()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:32]


class OperatorLoginLimit:
    """The attempt counters of one login, seen from the client address of ``request``."""

    def __init__(self, request, login: str):
        self.request = request
        self.limits = LimitSettings.from_settings(request.registry)
        self.state = request.registry.shared_state.namespace(NAMESPACE)
        who = login_key(login)
        address = (request.client_addr or "unknown")[:64]
        self.keys = ((f"login:{who}:{address}", self.limits.per_address),
                     (f"login:{who}", self.limits.per_account))

    def admit(self) -> None:
        """Count one attempt; raise :class:`LoginLimited` when it is one too many."""
        window = self.limits.window_seconds
        try:
            over = [(key, count, limit) for key, limit in self.keys
                    for count in (self.state.incr(key, window),) if count > limit]
            if not over:
                return
            retry = max(self.state.ttl(key) or window for key, _, _ in over)
        except SharedStateError:
            log.exception("operator login: the attempt could not be counted; refusing it")
            raise LimitUnavailable() from None
        # The attempt that first goes over a limit is worth an entry in the trail.
        first = any(count == limit + 1 for _, count, limit in over)
        raise (FirstRefusal if first else LoginLimited)(math.ceil(retry))

    def succeeded(self) -> None:
        """Every factor was right: the counters start again."""
        for key, _ in self.keys:
            try:
                self.state.delete(key)
            except SharedStateError:
                # The counter runs out with its window; nothing is let through by this.
                log.exception("operator login: a counter could not be cleared")
