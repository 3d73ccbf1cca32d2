"""The plugin's name, its per-tenant settings and its ini settings."""

from __future__ import annotations

from praxcloud.plugin import SettingsError, plugin_ini_settings

NAME = "backup"

SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "target": {
            "type": "string", "maxLength": 500, "default": "",
            "pattern": "^$|^(file:///|sftp://)\\S+$",
            "x-pattern-message": "file:///DIRECTORY or sftp://USER@HOST:PORT/DIRECTORY",
            "title": "Where backups are written",
            "description": "A directory on another disk or server (file:///srv/backup) or an "
                           "SFTP server (sftp://backup@host:22/srv/backup); each tenant gets a "
                           "repository of its own under it",
        },
        "keep_days": {
            "type": "integer", "minimum": 1, "maximum": 3650, "default": 30,
            "title": "How long backups are kept (days)",
            "description": "Older backups are deleted after each run; the newest verified "
                           "backup is always kept",
        },
    },
    "additionalProperties": False,
}

# praxcloud.plugin.backup.<key> in the ini, with their defaults.
INI_DEFAULTS = {
    "restic": "restic",          # the restic executable
    "ssh_key": "",               # private key for sftp:// targets
    "known_hosts": "",           # known_hosts file for sftp:// targets (strict checking)
    "allowed_targets": "",       # space-separated URL prefixes a target must start with
    "cache_dir": "",             # restic's cache; none (--no-cache) when empty
}


def tenant_settings(request) -> dict:
    return request.registry.plugin_host.tenant_settings(request.tenant, NAME)


def ini_settings(registry_or_request) -> dict:
    given = plugin_ini_settings(registry_or_request, NAME)
    return {key: (given.get(key) or default).strip() for key, default in INI_DEFAULTS.items()}


def check_ini(config) -> None:
    given = plugin_ini_settings(config.registry, NAME)
    unknown = sorted(set(given) - set(INI_DEFAULTS))
    if unknown:
        raise SettingsError({f"praxcloud.plugin.{NAME}.{key}": "unknown setting"
                             for key in unknown})
