"""The platform's ``praxcloud.*`` ini settings, parsed once into one typed, frozen object.

:class:`PraxSettings` declares every key the core reads: its type, default,
group and a one-line purpose (docs/settings.md is generated from it by
:mod:`praxcloud.core.settings_doc`). :func:`parse_settings` runs once at
start-up (``install_services``, shared by the web app, the Celery worker and
the CLI) and refuses an unknown ``praxcloud.*`` key or a malformed value with
a :class:`SettingsError` naming the key, so a typo stops the start instead of
silently falling back to a default.

Plugins have a namespace of their own: ``praxcloud.plugin.<plugin>.<key>``.
The core checks only the shape of those keys and hands each plugin its own
(:func:`plugin_ini_settings`); the plugin checks the values in its
``includeme`` and raises :class:`SettingsError` for one it cannot use.

Code reads settings through :func:`settings_of`, never ``registry.settings``.
"""

# The package, section by section: base (prefixes, groups, the error), one
# module of fields per group of sections (storage, web, services, logins,
# plugins), model (PraxSettings made of them, and its key index), parsing,
# reading. Import from here: the modules are this package's own business.

from __future__ import annotations

from .base import (
    DATABASES,
    GROUPS,
    KEYS,
    LIMITS,
    MAIL,
    OPERATORS,
    PASSWORDS,
    PLUGIN_PREFIX,
    PLUGINS,
    PREFIX,
    SHARED,
    TASKS,
    WEB,
    SettingsError,
    setting,
)
from .model import FIELDS_BY_KEY, SETTING_FIELDS, TYPES, PraxSettings, key_of
from .parsing import FALSE_WORDS, TRUE_WORDS, parse_settings, parse_value
from .reading import ATTRIBUTE, install_settings, plugin_ini_settings, settings_of

__all__ = [
    "ATTRIBUTE", "FALSE_WORDS", "FIELDS_BY_KEY", "GROUPS", "PLUGIN_PREFIX", "PREFIX",
    "SETTING_FIELDS", "TRUE_WORDS", "TYPES", "PraxSettings", "SettingsError",
    "install_settings", "key_of", "parse_settings", "parse_value", "plugin_ini_settings",
    "setting", "settings_of",
    # the groups, in the order docs/settings.md lists them
    "DATABASES", "KEYS", "WEB", "PASSWORDS", "MAIL", "TASKS", "SHARED", "LIMITS", "OPERATORS",
    "PLUGINS",
]
