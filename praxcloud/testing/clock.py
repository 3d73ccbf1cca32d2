"""A clock the test moves by hand, for the shared state's and the settle windows (no sleeps)."""

from __future__ import annotations

from praxcloud.core.shared_state import MemoryBackend, SharedState


class FakeClock:
    """Epoch seconds that stand still until :meth:`advance` moves them."""

    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        """Code that waits on this clock (a settle window) moves it instead of sleeping."""
        self.advance(seconds)


def use_fake_clock(registry) -> FakeClock:
    """Give the app a memory store on a fake clock; returns the clock.

    The attempt limits, lockouts and other windows kept in the shared state
    then expire when the test advances the clock, not when time passes.
    """
    clock = FakeClock()
    registry.shared_state = SharedState(MemoryBackend(clock=clock), clock=clock)
    return clock
