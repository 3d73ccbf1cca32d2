"""The plugin's name, its per-tenant settings and its ini settings."""

from __future__ import annotations

from praxcloud.plugin import SettingsError, plugin_ini_settings

NAME = "backup"

SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "target": {
            "type": "string", "maxLength": 500, "default": "",
            "pattern": "^$|^(file:///|sftp://|s3://|s3\\+http://)\\S+$",
            "x-pattern-message": "file:///DIRECTORY, sftp://USER@HOST:PORT/DIRECTORY or "
                                 "s3://HOST[:PORT]/BUCKET[/PREFIX]",
            "title": "Where backups are written",
            "description": "A directory on another disk or server (file:///srv/backup), an "
                           "SFTP server (sftp://backup@host:22/srv/backup) or an S3-compatible "
                           "store (s3://s3.example.net/bucket/prefix, its keys in the "
                           "platform's ini); each tenant gets a "
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
    # s3:// targets: the keys (here, or an AWS credentials file and its profile), the
    # region, a CA bundle for a private store, and plain http beyond loopback.
    "s3_access_key_id": "",
    "s3_secret_access_key": "",
    "s3_credentials_file": "",
    "s3_profile": "",
    "s3_region": "",
    "s3_ca_cert": "",
    "s3_allow_http": "",
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
