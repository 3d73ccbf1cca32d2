"""The settings of an app under test: files in a temporary directory, cheap hashing, no waits.

Where the real services are, for the tests that need them, comes from the
environment, as CI sets it: ``PRAXCLOUD_TEST_POSTGRES_URL`` (a superuser
URL that only creates and drops the test databases) and
``PRAXCLOUD_TEST_REDIS_URL``.
"""

from __future__ import annotations

import os
from pathlib import Path

from praxcloud.core.crypto import encode_key, generate_key

POSTGRES_URL = os.environ.get("PRAXCLOUD_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("PRAXCLOUD_TEST_REDIS_URL")


def base_settings(directory: Path) -> dict:
    """An app on SQLite files under ``directory``, mail written there as .eml files.

    Argon2 is set to its cheapest cost: tests log in hundreds of times and
    check what the password rules decide, not how slow a guess is.
    """
    directory = Path(directory)
    return {
        "praxcloud.platform_db_url": f"sqlite:///{directory}/platform.sqlite",
        "praxcloud.tenant_db_backend": "sqlite",
        "praxcloud.tenant_data_dir": str(directory / "tenants"),
        "praxcloud.master_key": encode_key(generate_key()),
        "praxcloud.argon2.rounds": "1",
        "praxcloud.argon2.memory_cost": "1024",
        "praxcloud.mail_backend": "folder",
        "mail.top_level_directory": str(directory / "mail"),
        "praxcloud.base_url": "http://localhost",
        # Tests reach the app directly: X-Forwarded-For proves nothing.
        "praxcloud.trusted_proxies": "none",
        "pyramid.reload_templates": "false",
        # A test process builds an app per test: frozen, each would stay for good.
        "praxcloud.gc_freeze": "false",
        # Views in the trail as soon as the request ends, for tests to read at once
        # (tests of the batched writer set it).
        "praxcloud.audit_view_batch_seconds": "0",
        # Field moves and key rotations wait out their settle window on a fake
        # clock, not in real seconds (praxcloud.testing.settle).
        "pyramid.includes": "praxcloud.testing.settle",
    }
