"""Which of a tenant's fields are encrypted, and their ciphers."""

from __future__ import annotations

from .cipher import FieldCipher, index_bits
from .config import FIELDS, NAME, PURPOSE, SETTINGS_SCHEMA

# The one looked-up field: login and forgot-password find users by e-mail.
INDEXED = "users.email"
# The one field searched by word: the records list's search box.
WORDS = "records.name"
DEFAULTS = {key: spec["default"] for key, spec in SETTINGS_SCHEMA["properties"].items()}


def settings_of(tenant, settings: dict | None = None) -> dict:
    """The plugin's settings of ``tenant`` (or ``settings``), defaults filled in."""
    stored = tenant.plugin_settings(NAME) if settings is None else settings
    return {**DEFAULTS, **stored}


def cipher_for(tenant, name: str, keys, data_keys, settings: dict | None = None) -> FieldCipher:
    """The cipher of field ``name`` ("table.column"), whether or not it is chosen."""
    chosen = settings_of(tenant, settings)
    table, column = name.split(".")
    versions = data_keys(PURPOSE)
    # Bound to the data's origin, not tenant.id: a copy restored from another
    # tenant's backup (backup restore --into) reads the values that tenant stored.
    origin = versions.origin_id
    if name == WORDS:
        return FieldCipher(origin, table, column, versions,
                           word_key=keys(f"{NAME}/words/{name}"),
                           word_bits=index_bits(chosen["expected_records"]))
    index_key = keys(f"{NAME}/index/{name}") if name == INDEXED else None
    return FieldCipher(origin, table, column, versions, index_key,
                       bits=index_bits(chosen["expected_users"]))


def chosen_fields(tenant, settings: dict | None = None) -> list[str]:
    chosen = settings_of(tenant, settings)["fields"]
    return [name for name in FIELDS if name in chosen]
