"""The slowdown's bookkeeping in the shared state: three limits per attempt, all atomic.

For each login attempt, before the password is looked at:

1. the client address's budget over all accounts (``address_budget`` per
   ``address_window_seconds``), against one address spraying many accounts:
   an atomic increment, given back when the attempt succeeds;
2. the gate of (account, address): the full schedule, up to
   ``max_delay_seconds``. It is what holds back someone guessing from one place;
3. the gate of the account from anywhere, capped at the low
   ``account_max_delay_seconds``; skipped for an address the owner vouched
   for with the mailed unlock link.

A gate (``SharedState.gate_pass``) lets exactly one attempt through at a
time, whatever the number of web processes, and closes behind it for the
wait a failure would earn; a failure makes that wait count, a success
forgets the gates. Nothing ever sleeps: a refused attempt is answered at
once with the seconds left.

Keys hold hashes of logins and addresses, never the text, except the set
of slowed logins the administrators' page lists (it expires with the
gates). An account's keys include its *generation*: an administrator's
release starts a new one, which leaves every old gate of it behind at once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from praxcloud.plugin import client_bucket, tenant_shared_state

from .config import NAME, schedule, tenant_settings

ENVIRON_KEY = "slowdown.attempt"  # no HTTP_ prefix: no client header can set it
SLOWED = "slowed"  # the set of normalised logins with failures, for the admin page


def normalise(login: str) -> str:
    return (login or "").strip().lower()


def digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:40]


@dataclass(frozen=True)
class Attempt:
    """The keys one attempt counted in, for its failure or success later in the request."""

    login: str
    account: str
    address_budget: str
    pair_gate: str
    account_gate: str | None  # None: the owner's vouched-for address skips it


def store(request):
    return tenant_shared_state(request, NAME)


def account_keys(state, login: str) -> tuple[str, str]:
    """The account's digest and its current generation."""
    account = digest(normalise(login))
    return account, state.get(f"gen:{account}") or "0"


def admit(request, login: str) -> float:
    """Count the attempt; 0.0 when it may go on, else the seconds to wait. Raises
    SharedStateError when the store cannot answer (the caller fails closed)."""
    settings = tenant_settings(request)
    state = store(request)
    account, generation = account_keys(state, login)
    address = digest(client_bucket(request.client_addr))
    budget_key = f"addr:{address}"
    used = state.incr(budget_key, settings["address_window_seconds"])
    if used > settings["address_budget"]:
        state.decr(budget_key)  # a refused attempt does not spend the budget further
        return max(1.0, state.ttl(budget_key) or settings["address_window_seconds"])
    keep = settings["forget_after_seconds"]
    pair_gate = f"pair:{account}:{generation}:{address}"
    wait = state.gate_pass(pair_gate, schedule(settings, settings["max_delay_seconds"]), keep)
    account_gate = None
    if not wait and not state.is_member(f"trusted:{account}", address):
        account_gate = f"acct:{account}:{generation}"
        wait = state.gate_pass(account_gate, account_schedule(settings), keep)
    if wait:
        state.decr(budget_key)
        # Never over the longest wait there is (the memory store, on one process's clock,
        # may round a wait a second over the schedule).
        return min(wait, settings["max_delay_seconds"])
    request.environ[ENVIRON_KEY] = Attempt(normalise(login), account, budget_key, pair_gate,
                                           account_gate)
    return 0.0


def account_schedule(settings: dict) -> list[int]:
    return schedule(settings, min(settings["account_max_delay_seconds"],
                                  settings["max_delay_seconds"]))


def failed(request) -> int | None:
    """Make the attempt's failure count; the account's failures in a row (None: none counted)."""
    attempt: Attempt | None = request.environ.pop(ENVIRON_KEY, None)
    if attempt is None:
        return None
    settings = tenant_settings(request)
    state = store(request)
    keep = settings["forget_after_seconds"]
    failures = state.gate_failed(attempt.pair_gate,
                                 schedule(settings, settings["max_delay_seconds"]), keep)
    if attempt.account_gate is not None:
        failures = state.gate_failed(attempt.account_gate, account_schedule(settings), keep)
    state.add_to_set(SLOWED, attempt.login, keep)
    return failures


def succeeded(request) -> None:
    """The attempt proved itself: its gates are forgotten and its budget given back."""
    attempt: Attempt | None = request.environ.pop(ENVIRON_KEY, None)
    if attempt is None:
        return
    state = store(request)
    state.delete(attempt.pair_gate)
    if attempt.account_gate is not None:
        state.delete(attempt.account_gate)
    state.decr(attempt.address_budget)
    state.remove_from_set(SLOWED, attempt.login)


def release(request, login: str) -> None:
    """An administrator frees the account: every gate of it, from every address, is left
    behind (a new generation), and addresses vouched for are forgotten."""
    state = store(request)
    account, _generation = account_keys(state, login)
    state.incr(f"gen:{account}", 10 * 365 * 86400)
    state.delete(f"trusted:{account}")
    state.remove_from_set(SLOWED, normalise(login))


def trust_address(request, account: str, hours: int) -> None:
    """The owner vouched for the client's address (the unlock link): the account-wide gate
    no longer holds it back, and its own gate for the account opens now."""
    state = store(request)
    address = digest(client_bucket(request.client_addr))
    state.add_to_set(f"trusted:{account}", address, hours * 3600)
    generation = state.get(f"gen:{account}") or "0"
    state.delete(f"pair:{account}:{generation}:{address}")


def slowed_accounts(request) -> list[dict]:
    """The logins with failures in a row, and when their account-wide gate opens."""
    state = store(request)
    found = []
    for login in sorted(state.members(SLOWED)):
        account, generation = account_keys(state, login)
        gate = state.gate_state(f"acct:{account}:{generation}")
        found.append({"login": login, "failures": gate.failures if gate else 0,
                      "opens_at": gate.opens_at if gate else None})
    return found
