"""praxcloud.testing: what a plugin's tests need, shipped with PraxCloud.

The fixtures (``app``, ``testapp``, ``make_tenant``, ``api_client``,
``console_client``, ``mailbox``, ...) live in :mod:`praxcloud.testing.fixtures`,
which pytest loads by itself through the ``pytest11`` entry point; see
docs/writing-plugins.md, "Testing a plugin". This module holds the helpers
a test imports by name.
"""

from __future__ import annotations

from .clock import FakeClock, use_fake_clock
from .login import CSRF_FIELD, PASSWORD, api_login, bearer
from .mailbox import Mail, Mailbox
from .need import need
from .settings import POSTGRES_URL, REDIS_URL, base_settings

__all__ = [
    "CSRF_FIELD", "FakeClock", "Mail", "Mailbox", "PASSWORD", "POSTGRES_URL", "REDIS_URL",
    "api_login", "base_settings", "bearer", "need", "use_fake_clock",
]
