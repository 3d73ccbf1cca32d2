"""How fast operator logins may be tried: back-off gates in the shared state, every process alike.

The platform operators' login (``/platform/login``) gets the protection the
``slowdown`` plugin gives tenant logins (requirement P4), built here on the
core's own shared state (``registry.shared_state.namespace("operators")``,
Redis in production) so the core needs no plugin. Before a password is
looked at, the attempt passes three limits:

1. **the client address's budget over all logins**:
   ``praxcloud.operator_login_address_budget`` attempts per
   ``operator_login_address_window_seconds`` (50 an hour), against one
   address spraying passwords over many logins; a right password gives its
   attempt back, a refused attempt does not spend it;
2. **the gate of (login, client address)**: after the 1st, 2nd, 3rd failed
   password in a row the next attempt waits ``operator_login_delays_seconds``
   (2, 4, 16 s), then each wait ``operator_login_growth_factor`` (4) times
   the one before, up to ``operator_login_max_delay_seconds`` (15 minutes).
   It holds back someone guessing from one place;
3. **the gate of the login from anywhere**: the same schedule stopped at
   ``operator_login_account_max_delay_seconds`` (30 s), so that guessing from
   elsewhere slows the operator down but cannot lock them out. An address
   the operator vouched for with the mailed unlock link skips it for a day.

A gate (:meth:`SharedState.gate_pass`, a Lua script on Redis) lets exactly
one of any number of simultaneous attempts through and closes behind it for
the wait a failure would earn; a wrong password makes that wait count.
Nothing sleeps: a refused attempt is answered at once with the seconds left
(:class:`LoginLimited`). Unknown logins are gated the same way, so the
answers reveal nothing about which accounts exist. Keys hold hashes of the
login and of the address, never the text.

**Second-factor answers** (a TOTP code, a security key's answer) and the
password typed to remove a factor are counted apart, in a fixed window per
operator from any address (``operator_login_second_factor_answers``, 10,
per ``operator_login_second_factor_window_seconds``, 15 minutes), each
counted *before* it is checked (an atomic increment: however many
processes race, no more answers are checked). Why not the password gates:
only someone who already typed the right password gets to answer, so the
answers need a hard ceiling on guesses of a 6-digit code more than a
schedule that is mild towards the owner; a fixed count per operator gives
that (at most 10 codes in 15 minutes however many pending logins and
addresses are used: under 0.3 % a day of hitting a code), while the owner
who mistypes a code may try again at once. Only a holder of the password
can run the count out; when that happens the operator is mailed (their
password is known to someone).

A right password forgets the password gates of its login and address and
of the login from anywhere (as the plugin does: the attempt proved it is no
guess); a completed login (every factor right) forgets those gates and the
second-factor count. When the store cannot answer, the attempt is refused
(:class:`LimitUnavailable`, 503): fail closed, logged as an error.

After ``operator_login_notify_after_failures`` (10) failed passwords in a
row, the operator is mailed a one-time unlock link (:mod:`.unlock`).
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from dataclasses import dataclass

from ..errors import SharedStateError
from ..login_limits import client_bucket
from ..settings import PREFIX, SettingsError, settings_of

log = logging.getLogger(__name__)

NAMESPACE = "operators"
# Failures in a row are forgotten after this long without an attempt (plus the longest wait).
FORGET_AFTER_SECONDS = 24 * 3600
LONGEST_DELAY_SECONDS = 24 * 3600
UNLOCK_LINK_MINUTES = 60
TRUST_HOURS = 24

SECOND_FACTOR = "second_factor"


class LoginLimited(Exception):
    """Too many attempts: refused without looking at the answer.

    ``limit`` names which limit refused, for the trail only (the client is
    told the same whatever it is); ``first`` marks the first refusal of a run,
    the one worth an entry in the trail.
    """

    def __init__(self, retry_after_seconds: int, limit: str = "", first: bool = False):
        super().__init__(f"retry after {retry_after_seconds} s")
        self.retry_after = retry_after_seconds
        self.limit = limit
        self.first = first


class LimitUnavailable(Exception):
    """The shared state could not judge the attempt, so it is not checked at all."""


_DELAYS = re.compile(r"[\s,]+")


@dataclass(frozen=True)
class LimitSettings:
    delays: tuple[int, ...]
    growth_factor: float
    max_delay: int
    account_max_delay: int
    address_budget: int
    address_window: int
    notify_after: int
    answers: int
    answers_window: int

    @classmethod
    def from_settings(cls, settings) -> LimitSettings:
        """The operator login's limits; a :class:`SettingsError` naming a key that is unusable."""
        parsed = settings_of(settings)
        problems = {}
        delays: list[int] = []
        text = parsed.operator_login_delays_seconds
        try:
            delays = [int(part) for part in _DELAYS.split(text.strip()) if part]
        except ValueError:
            problems["operator_login_delays_seconds"] = f"{text!r} is not whole seconds"
        else:
            if not delays or not all(1 <= delay <= LONGEST_DELAY_SECONDS for delay in delays):
                problems["operator_login_delays_seconds"] = (
                    f"{text!r}: give at least one wait, each 1 to {LONGEST_DELAY_SECONDS} s")
        growth = parsed.operator_login_growth_factor
        if not (math.isfinite(growth) and 1 <= growth <= 100):
            problems["operator_login_growth_factor"] = f"{growth} is not between 1 and 100"
        for name in ("operator_login_max_delay_seconds",
                     "operator_login_account_max_delay_seconds"):
            if getattr(parsed, name) > LONGEST_DELAY_SECONDS:
                problems[name] = f"is over the longest wait there is ({LONGEST_DELAY_SECONDS} s)"
        if problems:
            raise SettingsError({PREFIX + name: text for name, text in problems.items()})
        return cls(
            delays=tuple(delays), growth_factor=growth,
            max_delay=parsed.operator_login_max_delay_seconds,
            account_max_delay=min(parsed.operator_login_account_max_delay_seconds,
                                  parsed.operator_login_max_delay_seconds),
            address_budget=parsed.operator_login_address_budget,
            address_window=parsed.operator_login_address_window_seconds,
            notify_after=parsed.operator_login_notify_after_failures,
            answers=parsed.operator_login_second_factor_answers,
            answers_window=parsed.operator_login_second_factor_window_seconds,
        )

    def schedule(self, cap: int) -> tuple[int, ...]:
        """Every wait in order, the last repeated for ever: ``(2, 4, 16, 64, 256, 900)``."""
        waits = [min(delay, cap) for delay in self.delays]
        while waits[-1] < cap and len(waits) <= 64:
            waits.append(min(cap, max(waits[-1] + 1, int(waits[-1] * self.growth_factor))))
        return tuple(waits)

    @property
    def pair_schedule(self) -> tuple[int, ...]:
        return self.schedule(self.max_delay)

    @property
    def account_schedule(self) -> tuple[int, ...]:
        return self.schedule(self.account_max_delay)

    @property
    def keep(self) -> int:
        """How long a gate is kept without an attempt: a day beyond the longest wait."""
        return FORGET_AFTER_SECONDS + self.max_delay


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:32]


def login_key(login: str) -> str:
    """The login as the limits know it: case and surrounding blanks do not make a new one."""
    return _digest((login or "").strip().lower())


def address_key(address: str | None) -> str:
    """The client address as the limits know it (an IPv6 client counts by its /64)."""
    return _digest(client_bucket(address))


def store(request):
    return request.registry.shared_state.namespace(NAMESPACE)


class OperatorLoginLimit:
    """The limits of one login, seen from the client address of ``request``."""

    def __init__(self, request, login: str | None = None, *, who: str | None = None):
        """The limits of ``login`` as typed, or of its :func:`login_key` ``who``."""
        self.request = request
        self.limits = LimitSettings.from_settings(request.registry)
        self.state = store(request)
        self.who = who if who is not None else login_key(login or "")
        self.address = address_key(request.client_addr)
        self.budget_key = f"addr:{self.address}"
        self.pair_gate = f"pair:{self.who}:{self.address}"
        self.account_gate = f"acct:{self.who}"
        self.answers_key = f"answers:{self.who}"
        self.trusted_key = f"trusted:{self.who}"
        # The gates this request's password attempt went through (admit()), for its outcome.
        self._passed: tuple[str, ...] | None = None

    # Passwords ------------------------------------------------------------------
    def admit(self) -> None:
        """Let a password attempt through; raise :class:`LoginLimited` when it must wait."""
        try:
            self._admit()
        except SharedStateError:
            log.error("operator login: the shared state cannot answer; the attempt is refused "
                      "(fail closed)", exc_info=True)
            raise LimitUnavailable() from None

    def _admit(self) -> None:
        limits, state = self.limits, self.state
        used = state.incr(self.budget_key, limits.address_window)
        if used > limits.address_budget:
            state.decr(self.budget_key)  # a refused attempt does not spend the budget further
            left = state.ttl(self.budget_key) or limits.address_window
            raise self._refusal("address", left, left)
        wait = state.gate_pass(self.pair_gate, limits.pair_schedule, limits.keep)
        if wait:
            state.decr(self.budget_key)
            raise self._refusal("login_and_address", min(wait, limits.max_delay), limits.keep)
        passed = (self.pair_gate,)
        if not state.is_member(self.trusted_key, self.address):
            wait = state.gate_pass(self.account_gate, limits.account_schedule, limits.keep)
            if wait:
                state.decr(self.budget_key)
                # The gate of this login and address closed behind the attempt as well:
                # tell the longer of the two waits.
                pair = state.gate_state(self.pair_gate)
                schedule = limits.pair_schedule
                closed = schedule[min(pair.failures if pair else 0, len(schedule) - 1)]
                raise self._refusal("login", min(max(wait, closed), limits.max_delay),
                                    limits.keep)
            passed += (self.account_gate,)
        self._passed = passed

    def _refusal(self, limit: str, wait: float, remember: float) -> LoginLimited:
        # The first refusal of a run is audited; the mark goes with a completed login.
        first = self.state.incr(f"refused:{limit}:{self._limit_key(limit)}", remember) == 1
        return LoginLimited(max(1, math.ceil(wait)), limit, first)

    def _limit_key(self, limit: str) -> str:
        return {"address": self.budget_key, "login_and_address": self.pair_gate,
                "login": self.account_gate}[limit]

    def failed(self) -> int | None:
        """A wrong password: its gates close for longer. The failures in a row of the login
        (from anywhere; from this address when it is vouched for), None when none counted."""
        passed, self._passed = self._passed, None
        if not passed:
            return None
        failures = None
        try:
            for gate in passed:
                schedule = (self.limits.pair_schedule if gate == self.pair_gate
                            else self.limits.account_schedule)
                failures = self.state.gate_failed(gate, schedule, self.limits.keep)
        except SharedStateError:
            # The gate stays closed for the wait it closed with; only the growth is lost.
            log.error("operator login: a failed attempt could not be counted (the shared "
                      "state cannot answer)", exc_info=True)
            return None
        return failures

    def password_right(self) -> None:
        """A right password: its gates are forgotten and its budget given back. The second
        factor's count stays until the login is complete."""
        passed, self._passed = self._passed, None
        self._forget((self.pair_gate, self.account_gate,
                      f"refused:login_and_address:{self.pair_gate}",
                      f"refused:login:{self.account_gate}"))
        if passed:
            try:
                self.state.decr(self.budget_key)
            except SharedStateError:
                log.error("operator login: a budget could not be given back", exc_info=True)

    def succeeded(self) -> None:
        """Every factor was right: the login's gates and its second-factor count start again."""
        self.password_right()
        self._forget((self.answers_key,))

    def _forget(self, keys) -> None:
        for key in keys:
            try:
                self.state.delete(key)
            except SharedStateError:
                # The key runs out in time; nothing is let through by this.
                log.error("operator login: %s could not be cleared", key.split(":")[0],
                          exc_info=True)

    # Second factors ---------------------------------------------------------------
    def admit_answer(self) -> None:
        """Count a second-factor answer (or a password confirming a removal) before it is
        checked; raise :class:`LoginLimited` when it is one too many."""
        window = self.limits.answers_window
        try:
            count = self.state.incr(self.answers_key, window)
            if count <= self.limits.answers:
                return
            left = self.state.ttl(self.answers_key) or window
        except SharedStateError:
            log.error("operator login: the shared state cannot answer; the second-factor "
                      "answer is refused (fail closed)", exc_info=True)
            raise LimitUnavailable() from None
        raise LoginLimited(max(1, math.ceil(left)), SECOND_FACTOR,
                           count == self.limits.answers + 1)

    # The owner's unlock link --------------------------------------------------------
    def trust_address(self) -> None:
        """The operator vouched for this address (the unlock link): for a day the login-wide
        gate no longer holds it back, and its own gate for the login opens now."""
        self.state.add_to_set(self.trusted_key, self.address, TRUST_HOURS * 3600)
        self.state.delete(self.pair_gate)
        self.state.delete(f"refused:login_and_address:{self.pair_gate}")
