"""Reading the platform's settings: ini values with environment overrides.

Every ``praxcloud.*`` setting can be overridden by an environment variable
named after it (``praxcloud.master_key`` -> ``PRAXCLOUD_MASTER_KEY``), so that
production.ini names where a secret comes from and never holds it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

PREFIX = "praxcloud."


def env_name(key: str) -> str:
    return key.replace(".", "_").upper()


def apply_environment(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of ``settings`` where PRAXCLOUD_* variables win.

    A value of the form ``env:NAME`` in the ini file means "read variable NAME";
    a missing variable is a configuration error, never an empty secret.
    """
    result = dict(settings)
    for key, value in list(result.items()):
        if isinstance(value, str) and value.startswith("env:"):
            name = value[4:].strip()
            if name not in os.environ:
                raise RuntimeError(f"setting {key} needs environment variable {name}")
            result[key] = os.environ[name]
    for name, value in os.environ.items():
        if name.startswith("PRAXCLOUD_") and not name.startswith("PRAXCLOUD_TEST_"):
            key = PREFIX + name[len("PRAXCLOUD_"):].lower()
            if key in result or key in KNOWN_SETTINGS:
                result[key] = value
    return result


# Settings that an environment variable may introduce even when the ini file
# does not mention them.
KNOWN_SETTINGS = {
    "praxcloud.master_key",
    "praxcloud.master_key_file",
    "praxcloud.platform_db_url",
    "praxcloud.tenant_admin_url",
    "praxcloud.broker_url",
    "praxcloud.secure_cookies",
    "praxcloud.trusted_proxies",
    "praxcloud.load_plugins",
    "praxcloud.disabled_plugins",
}


def setting_list(settings: Mapping[str, Any], key: str) -> list[str]:
    value = settings.get(key) or ""
    if isinstance(value, list | tuple):
        return list(value)
    return [item for item in value.replace(",", " ").split() if item]
