"""Fixtures of the operator second-factor tests: the service's clock, frozen."""

from __future__ import annotations

import time

import pytest

from praxcloud.core.operator_mfa import totp as operator_totp

from .support import STEP, Clock


@pytest.fixture
def clock(monkeypatch) -> Clock:
    # The middle of the current step: a test's own run time never crosses into the next.
    frozen = Clock((int(time.time()) // STEP) * STEP + STEP / 2)
    monkeypatch.setattr(operator_totp, "current_time", frozen)
    return frozen
