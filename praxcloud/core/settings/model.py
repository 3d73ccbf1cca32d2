"""``PraxSettings``: every section's fields in one typed, frozen object, and its key index."""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .base import PREFIX, SettingsError
from .logins import LoginLimitSettings, OperatorSettings, PasswordHashingSettings
from .plugins import PluginSettings
from .services import MailSettings, SharedStateSettings, TaskSettings
from .storage import DatabaseSettings, MasterKeySettings
from .web import WebSettings


# The sections in reverse: a dataclass takes the fields of its last base
# first, so the fields stand in the order of GROUPS (docs/settings.md).
@dataclass(frozen=True)
class PraxSettings(PluginSettings, OperatorSettings, LoginLimitSettings, SharedStateSettings,
                   TaskSettings, MailSettings, PasswordHashingSettings, WebSettings,
                   MasterKeySettings, DatabaseSettings):
    """Every core ``praxcloud.*`` setting, typed, with its default."""

    # Not a setting: each plugin's ``praxcloud.plugin.<plugin>.<key>`` values, by plugin.
    plugin_values: Mapping[str, Mapping[str, str]] = field(
        default_factory=lambda: types.MappingProxyType({}), metadata={"internal": True})

    def required(self, name: str) -> Any:
        """The value of field ``name``; a :class:`SettingsError` naming its key when unset."""
        value = getattr(self, name)
        if value is None or value == "":
            raise SettingsError({key_of(SETTING_FIELDS[name]): "is required and not set"})
        return value


# Reading the declaration -----------------------------------------------------
def key_of(item: dataclasses.Field) -> str:
    return item.metadata["key"] or PREFIX + item.name


SETTING_FIELDS: dict[str, dataclasses.Field] = {
    item.name: item for item in dataclasses.fields(PraxSettings)
    if not item.metadata.get("internal")}
FIELDS_BY_KEY: dict[str, dataclasses.Field] = {
    key_of(item): item for item in SETTING_FIELDS.values()}
TYPES: dict[str, Any] = typing.get_type_hints(PraxSettings)
