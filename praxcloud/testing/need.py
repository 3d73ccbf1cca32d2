"""Skipping a test whose real service is missing, or failing it in strict mode.

Tests that need a real service (PostgreSQL, Redis, a Celery worker, a
browser, a command-line tool) call :func:`need`; on a laptop without the
service they skip, and with ``PRAXCLOUD_TEST_STRICT=1`` (set by CI) the skip
becomes a failure, so a CI job that lost its database cannot pass green.
"""

from __future__ import annotations

import os

import pytest

STRICT_ENV = "PRAXCLOUD_TEST_STRICT"


def strict() -> bool:
    """Whether a missing service fails the test (read each time: a test may set it)."""
    return os.environ.get(STRICT_ENV) == "1"


def need(condition: bool, reason: str) -> None:
    """Skip (or, under ``PRAXCLOUD_TEST_STRICT=1``, fail) unless ``condition`` holds."""
    if condition:
        return
    if strict():
        pytest.fail(f"required service missing under {STRICT_ENV}: {reason}")
    pytest.skip(reason)
