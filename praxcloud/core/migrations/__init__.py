"""Alembic migrations: one environment for the platform database, one for every tenant database.

A plugin with tables of its own names a version directory in its
``praxcloud_plugin_info`` (``tenant_migrations``); its revisions form their
own branch (``branch_labels = ("PLUGIN",)``, ``depends_on`` the core's
head), applied to a tenant's database when the tenant enables the plugin
and by ``praxcloud db upgrade``.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from ..crypto import KeyRing

HERE = Path(__file__).parent
PLATFORM_DIR = HERE / "platform"
TENANT_DIR = HERE / "tenant"


def _config(script_dir: Path, version_dirs: list[str]) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_dir))
    cfg.set_main_option("version_locations", " ".join(version_dirs))
    cfg.set_main_option("path_separator", "space")
    return cfg


def core_tenant_head() -> str:
    """The core's newest tenant revision: what a new plugin's first revision ``depends_on``."""
    script = ScriptDirectory.from_config(_config(TENANT_DIR, [str(TENANT_DIR / "versions")]))
    return script.get_current_head()


def upgrade_platform(engine: Engine, keyring: KeyRing | None = None) -> None:
    """Bring the platform database to its head.

    ``keyring``: the process's master keys, for the revisions that seal data
    again (0007 moves operators' secrets from the master key to a platform
    key); such a revision refuses to run without it when it has data to move.
    """
    cfg = _config(PLATFORM_DIR, [str(PLATFORM_DIR / "versions")])
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        cfg.attributes["keyring"] = keyring
        command.upgrade(cfg, "heads")


def upgrade_tenant(engine: Engine, plugin_migrations: dict[str, str] | None = None,
                   enabled: frozenset[str] | set[str] = frozenset()) -> None:
    """Bring the core's branch and each enabled plugin's branch to its head.

    ``plugin_migrations`` maps every installed plugin with tables to its
    version directory: alembic must be able to locate the revisions a tenant
    already has, including those of a plugin it has since disabled, whose
    tables stay (disabling never drops data); only the enabled plugins'
    branches are upgraded.
    """
    migrations = plugin_migrations or {}
    dirs = [str(TENANT_DIR / "versions"), *(migrations[name] for name in sorted(migrations))]
    cfg = _config(TENANT_DIR, dirs)
    targets = ["core@head", *(f"{name}@head" for name in sorted(enabled) if name in migrations)]
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        for target in targets:
            command.upgrade(cfg, target)
