"""Settle windows that pass at once: an app under test waits on a fake clock.

A field move or key rotation waits ``tenant_cache_seconds`` + 1 before its
final scan for stale writes (:mod:`praxcloud.core.settle`): real seconds in
production, two of them at every enabling of field encryption in a test.
Included by the test settings (``pyramid.includes`` in
:func:`.settings.base_settings`), this module gives the app a
:class:`.FakeClock` to wait on: the wait moves that clock, the scan still
comes after the window on it, and no test sleeps.
"""

from __future__ import annotations

from .clock import FakeClock


def includeme(config) -> None:
    config.registry.settle_clock = FakeClock()
