"""What every settings section is declared with: the key prefixes, the groups, the error."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from typing import Any

PREFIX = "praxcloud."
PLUGIN_PREFIX = PREFIX + "plugin."


class SettingsError(ValueError):
    """Settings that cannot be used: ``problems`` maps each key to what is wrong with it."""

    def __init__(self, problems: Mapping[str, str]):
        self.problems = dict(problems)
        super().__init__("; ".join(f"{key}: {text}" for key, text in sorted(self.problems.items())))


def setting(default: Any, doc: str, group: str, *, key: str | None = None,
            minimum: int | None = None, secret: bool = False) -> Any:
    """A field of :class:`PraxSettings`; ``key`` when it is not ``praxcloud.<field name>``."""
    return field(default=default, metadata={
        "doc": doc, "group": group, "key": key, "minimum": minimum, "secret": secret})


# Groups, in the order docs/settings.md lists them.
DATABASES = "Databases and tenants"
KEYS = "Master key"
WEB = "Web"
PASSWORDS = "Password hashing"
MAIL = "Mail"
TASKS = "Background tasks (Celery)"
SHARED = "Shared state"
LIMITS = "Attempt limits (users)"
OPERATORS = "Operators"
PLUGINS = "Plugins"
GROUPS = (DATABASES, KEYS, WEB, PASSWORDS, MAIL, TASKS, SHARED, LIMITS, OPERATORS, PLUGINS)
