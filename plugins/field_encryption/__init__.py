"""field_encryption: personal fields stored encrypted, per tenant (requirement P8).

Registered in setup.cfg as ``field_encryption = plugins.field_encryption``.
Answers the core's ``praxcloud_field_codec`` with an AES-256-GCM cipher
(:mod:`.cipher`) for each chosen field: values bound to tenant, table,
column and row; per-column subkeys of the tenant's versioned data key,
which the master key wraps and the platform database keeps; a truncated
blind index for the e-mail that login looks up. Enabling encrypts what the
tenant already stores, disabling decrypts it, changing the field list moves
each value, in committed batches that a rerun continues (the core's field
moves); ``praxcloud keys rotate --tenant T`` (the core's) rotates the
data key and re-encrypts. README.md has the rest.
"""

from __future__ import annotations

from pathlib import Path

from praxcloud.plugin import (
    SETTINGS_MANAGE,
    MenuLink,
    OpenApiPart,
    PluginDescription,
    hookimpl,
)

from . import tasks
from .codecs import chosen_fields, cipher_for
from .config import NAME, SETTINGS_SCHEMA
from .openapi import openapi_part
from .routes import add_routes

HERE = Path(__file__).parent


@hookimpl
def praxcloud_plugin_info() -> PluginDescription:
    return {
        "name": NAME,
        "description": "Stores personal fields encrypted (AES-256-GCM) under the tenant's "
                       "own rotating data key; e-mail login keeps working through a blind "
                       "index",
        "settings_schema": SETTINGS_SCHEMA,
    }


@hookimpl
def praxcloud_includeme(config):
    add_routes(config)
    config.scan(".console_views")
    config.scan(".api_views")


@hookimpl
def praxcloud_openapi() -> OpenApiPart:
    return openapi_part()


@hookimpl
def praxcloud_field_codec(tenant, model, field, keys, data_keys):
    name = f"{model}.{field}"
    if name not in chosen_fields(tenant):
        return None
    return cipher_for(tenant, name, keys, data_keys)


# Enabling, disabling and changing the field list: the core records the change
# on the contract line and moves the stored values in committed batches
# (praxcloud.core.field_moves), reading both forms meanwhile; the cipher reads a
# value without its prefix as plain, which makes the half-moved state readable.


@hookimpl
def praxcloud_periodic_tasks():
    return tasks.PERIODIC_TASKS


@hookimpl
def praxcloud_menu_links(request) -> list[MenuLink]:
    return [{"title": "Encryption", "route": "field_encryption.status",
             "permission": SETTINGS_MANAGE}]
