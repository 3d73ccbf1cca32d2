"""Bursts: the same app called from many threads at the same moment.

A real race needs real concurrency: each request runs in its own thread
with its own client, all released together by a barrier, against the
test's databases (PostgreSQL under the ``backend`` fixture's second
parameter, where row locks and READ COMMITTED decide who wins).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

BURST = 20
JOIN_TIMEOUT = 120


def at_once(calls: list[Callable[[], object]]) -> list:
    """Run the calls from as many threads, released together; their results in order.

    An exception in a thread is raised again here, so an assertion made in a
    call fails the test, not only the thread that saw it; a thread still
    running after JOIN_TIMEOUT seconds fails the test too.
    """
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    failures: list[BaseException] = []

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - raised again in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(index, call), daemon=True)
               for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT)
    stuck = [thread for thread in threads if thread.is_alive()]
    assert not stuck, f"{len(stuck)} of {len(threads)} calls still running after {JOIN_TIMEOUT} s"
    if failures:
        raise failures[0]
    return results


def within(seconds: float, call: Callable[[], object]):
    """``call()``'s result, or fail the test if it has not returned within ``seconds``.

    For code that could wait on a lock it holds itself: the wait would be
    SQLite's busy timeout or, on PostgreSQL, for ever.
    """
    result: list = []
    failures: list[BaseException] = []

    def run() -> None:
        try:
            result.append(call())
        except BaseException as exc:  # noqa: BLE001 - raised again in the test's thread
            failures.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=seconds)
    assert not thread.is_alive(), f"still waiting after {seconds} s (a lock held by itself?)"
    if failures:
        raise failures[0]
    return result[0]
