"""Settings sections: where the tenants' databases live, and the master key over their keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .base import DATABASES, KEYS, setting


@dataclass(frozen=True)
class DatabaseSettings:
    """Databases and tenants."""

    platform_db_url: str | None = setting(
        None, "SQLAlchemy URL of the platform database (tenants, operators); required.",
        DATABASES)
    tenant_db_backend: Literal["sqlite", "postgresql"] = setting(
        "sqlite", "Where tenant databases live: a SQLite file each, or a PostgreSQL database "
        "and role each.", DATABASES)
    tenant_data_dir: str = setting(
        "var/tenants", "Folder of the tenants' SQLite files (sqlite backend).", DATABASES)
    tenant_db_prefix: str = setting(
        "praxcloud_t_", "Prefix of each tenant's PostgreSQL database and role name.", DATABASES)
    tenant_admin_url: str | None = setting(
        None, "PostgreSQL URL of a role with CREATEDB and CREATEROLE, used only to create and "
        "drop tenants; required with the postgresql backend.", DATABASES, secret=True)
    tenant_engines_max: int | None = setting(
        None, "Tenant database engines one process keeps open (least recently used closed "
        "first). Unset: 1024 with SQLite (each a file: the process's open-file limit is raised "
        "to fit, or the number lowered to what fits, with a warning; about 250 KB of memory "
        "each), 64 with PostgreSQL (each a pool of server connections).", DATABASES, minimum=1)
    tenant_cache_seconds: float = setting(
        1.0, "How often a process asks the platform database whether any tenant or contract "
        "changed (one small query, whatever the number of tenants); a change made in another "
        "process (a suspension) takes effect within this time. 0 loads the tenant at every "
        "request.", DATABASES, minimum=0)
    tenant_pool_size: int = setting(
        2, "Connections kept open per tenant engine (SQLite files and PostgreSQL alike): a "
        "process keeps at most tenant_engines_max × tenant_pool_size tenant connections.",
        DATABASES, minimum=0)
    tenant_pool_overflow: int = setting(
        4, "Connections a tenant engine may open beyond its pool, closed when given back.",
        DATABASES, minimum=0)


@dataclass(frozen=True)
class MasterKeySettings:
    """Master key."""

    master_key: str | None = setting(
        None, "The master key (base64), which wraps every tenant key, data key and platform key "
        "(and encrypts nothing else); set it from "
        "PRAXCLOUD_MASTER_KEY, never in the file.", KEYS, secret=True)
    master_key_file: str | None = setting(
        None, "A file holding the master key, read when master_key is not set.", KEYS)
    create_master_key: bool = setting(
        False, "Generate master_key_file when it does not exist (development only).", KEYS)
    master_key_id: str = setting(
        "1", "The master key's version, stored with every key it wraps; give the next key "
        "a new id when rotating (`praxcloud keys rotate-master`).", KEYS)
    previous_master_keys: str | None = setting(
        None, "Earlier master keys, as ID:BASE64 separated by spaces, from "
        "PRAXCLOUD_PREVIOUS_MASTER_KEYS: they open what they wrapped until "
        "`praxcloud keys rotate-master` has wrapped it again.", KEYS, secret=True)
