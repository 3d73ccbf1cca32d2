"""What the shared state remembers about one user's codes, in every web process alike.

- wrong codes this hour (the tenant's ``max_failures_per_hour``);
- codes being used right now: of two requests racing with one code, only the
  first to claim it goes on;
- future steps that a wrong-clock answer revealed, never to be accepted.

The store is ``registry.shared_state`` (Redis in production). When it
cannot answer, codes are refused (:data:`UNAVAILABLE`): fail closed.
"""

from __future__ import annotations

import logging
import math

from praxcloud.plugin import SecondFactorFailed, SharedStateError, User

from .codes import DRIFT_STEPS, STEP_SECONDS
from .config import NAME

log = logging.getLogger(__name__)

FAILURE_WINDOW_SECONDS = 3600
# How long a used code stays claimed: past its drift window.
CLAIM_SECONDS = (2 * DRIFT_STEPS + 2) * STEP_SECONDS
UNAVAILABLE = "codes cannot be checked right now; please try again in a few minutes"


def unavailable() -> SecondFactorFailed:
    return SecondFactorFailed(UNAVAILABLE, code="totp_unavailable")


class Attempts:
    """The shared-state records of ``user``'s codes, in the tenant of ``request``."""

    def __init__(self, request, user: User, max_failures: int):
        self.request = request
        self.user = user
        self.max_failures = max_failures
        self.state = request.registry.shared_state.for_tenant(request.tenant.slug)
        self.failures_key = f"{NAME}:failures:{user.id}"
        self.blocked_key = f"{NAME}:blocked:{user.id}"

    def check_budget(self) -> None:
        """Refuse every code once the user has sent too many wrong ones this hour."""
        try:
            failures = int(self.state.get(self.failures_key) or 0)
            left = self.state.ttl(self.failures_key)
        except (SharedStateError, ValueError):
            log.exception("mfa_totp: the failure count cannot be read; refusing the code")
            raise unavailable() from None
        if failures >= self.max_failures:
            minutes = max(1, math.ceil((left or FAILURE_WINDOW_SECONDS) / 60))
            raise SecondFactorFailed(
                f"too many wrong codes for this account: try again in {minutes} minutes",
                code="totp_rate_limited")

    def count_failure(self) -> None:
        try:
            failures = self.state.incr(self.failures_key, FAILURE_WINDOW_SECONDS)
        except SharedStateError:
            # The code is refused anyway; the next attempt fails closed on the read.
            log.exception("mfa_totp: a wrong code could not be counted")
            return
        if failures == self.max_failures:
            self.request.audit.record("mfa_totp.failure_limit", outcome="failure",
                                      target=self.user.email, details={"failures": failures},
                                      durable=True)

    def claim_once(self, what: str, refusal: SecondFactorFailed) -> None:
        """Let only the first request that claims ``what`` go on, whichever process it is in.

        Of two requests racing with the same code, the second is refused here,
        before it writes anything: on SQLite a request that wrote and then
        failed would wait on itself when the core counts the failure in a
        transaction of its own.
        """
        try:
            first = self.state.incr(f"{NAME}:claim:{self.user.id}:{what}", CLAIM_SECONDS) == 1
        except SharedStateError:
            log.exception("mfa_totp: a code could not be claimed; refusing it")
            raise unavailable() from None
        if not first:
            raise refusal

    def block_step(self, step: int, now: int) -> None:
        """Never accept ``step``: a wrong-clock answer revealed that it is right."""
        # Kept until the step (and its drift window) has passed for good.
        ttl = (step - now + DRIFT_STEPS + 2) * STEP_SECONDS
        try:
            self.state.add_to_set(self.blocked_key, str(step), ttl)
        except SharedStateError:
            log.exception("mfa_totp: a revealed future step could not be blocked")

    def is_blocked(self, step: int) -> bool:
        try:
            return self.state.is_member(self.blocked_key, str(step))
        except SharedStateError:
            log.exception("mfa_totp: blocked steps cannot be read; refusing the code")
            raise unavailable() from None
