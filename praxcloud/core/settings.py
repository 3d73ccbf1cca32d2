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

from __future__ import annotations

import dataclasses
import difflib
import os
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

PREFIX = "praxcloud."
PLUGIN_PREFIX = PREFIX + "plugin."
# The registry attribute that holds the parsed object.
ATTRIBUTE = "praxcloud_settings"

TRUE_WORDS = frozenset({"true", "yes", "on", "y", "t", "1"})
FALSE_WORDS = frozenset({"false", "no", "off", "n", "f", "0"})


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


@dataclass(frozen=True)
class PraxSettings:
    """Every core ``praxcloud.*`` setting, typed, with its default."""

    # Databases and tenants
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

    # Master key
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

    # Web
    trusted_proxies: str | None = setting(
        None, "Required. Which X-Forwarded-For entries to believe: none (clients connect "
        "directly), the number of proxies in front (1), or their addresses and networks "
        "(127.0.0.1 10.0.0.0/8). Decides the client address that limits, allowlists and the "
        "audit trail see.", WEB)
    base_url: str | None = setting(
        None, "The platform's public address: links in mails and the WebAuthn relying party; "
        "never taken from a request's Host header.", WEB)
    secure_cookies: bool = setting(
        False, "Mark cookies Secure (sent over HTTPS only).", WEB)
    hsts: bool = setting(
        False, "Send Strict-Transport-Security on every response.", WEB)
    max_body_bytes: int = setting(
        1024 * 1024, "Request bodies larger than this are refused with 413, unread.", WEB,
        minimum=0)
    audit_view_batch_seconds: float = setting(
        0.5, "Record views and searches are written to the audit trail in batches, this often "
        "(one transaction per tenant), not in the request: a process killed outright loses "
        "the views of its last batch. 0 writes each in its request.", WEB, minimum=0)
    gc_freeze: bool = setting(
        True, "Move everything made at start-up (the app, its routes, templates, plugins) out of "
        "the garbage collector's sight (gc.freeze), so that the collections requests cause do "
        "not walk it again and again. Off in tests, which build many apps in one process.", WEB)
    forbidden_text: str = setting(
        "Forbidden", "Body of a plain-text 403 answer outside the API and the console.", WEB)

    # Password hashing
    argon2_rounds: int = setting(
        0, "Argon2 time cost; 0 keeps the library's default (tests lower it to run fast).",
        PASSWORDS, key="praxcloud.argon2.rounds", minimum=0)
    argon2_memory_cost: int = setting(
        0, "Argon2 memory cost in KiB; 0 keeps the library's default.", PASSWORDS,
        key="praxcloud.argon2.memory_cost", minimum=0)

    # Mail
    mail_backend: Literal["folder", "smtp"] = setting(
        "folder", "folder writes mails under mail.top_level_directory; smtp sends them "
        "(pyramid_mailer's mail.* settings).", MAIL)

    # Background tasks
    broker_url: str = setting(
        "", "Celery broker (redis://, filesystem://, amqp://); empty: the in-process "
        "memory:// broker.", TASKS)
    celery_queue: str = setting(
        "praxcloud", "The Celery queue tasks are sent to.", TASKS)
    celery_eager: bool = setting(
        False, "Run tasks inline instead of sending them (tests, scripts).", TASKS)
    celery_data_dir: str = setting(
        "var/celery", "Folder of the filesystem:// broker's messages and beat schedule.", TASKS)

    # Shared state
    shared_state_url: str = setting(
        "memory://", "Counters shared between processes: memory:// (one process) or "
        "redis://.", SHARED)
    shared_state_prefix: str = setting(
        "praxcloud:", "Prefix of every key the shared state writes.", SHARED)
    shared_state_timeout_ms: int = setting(
        2000, "Redis socket timeout; a store that does not answer in time refuses.", SHARED,
        minimum=1)

    # Attempt limits, in force with no protection plugin (docs/security.md)
    login_limit_per_client: int = setting(
        10, "Login attempts per account and client address in a window.", LIMITS, minimum=1)
    login_limit_per_account: int = setting(
        50, "Login attempts per account, from any address, in a window.", LIMITS, minimum=1)
    login_limit_window_seconds: int = setting(
        15 * 60, "The login limits' window.", LIMITS, minimum=1)
    reset_mail_limit_per_email: int = setting(
        3, "Password-reset mails per account in a window.", LIMITS, minimum=1)
    reset_mail_limit_per_client: int = setting(
        20, "Forgot-password requests per client address in a window.", LIMITS, minimum=1)
    reset_mail_limit_window_seconds: int = setting(
        60 * 60, "The reset-mail limits' window.", LIMITS, minimum=1)

    # Operators
    operator_mfa_required: bool = setting(
        False, "Operators confirm every login with a second factor; one without is held on "
        "the enrolment page.", OPERATORS)
    # The operator login's back-off (praxcloud.core.operator_mfa.limits, docs/security.md)
    operator_login_delays_seconds: str = setting(
        "2 4 16", "Operator login: the waits after the 1st, 2nd, 3rd ... failed password in a "
        "row, per login and client address (whole seconds, space or comma separated).",
        OPERATORS)
    operator_login_growth_factor: float = setting(
        4.0, "Operator login: beyond the delays listed, each wait is the one before times "
        "this.", OPERATORS, minimum=1)
    operator_login_max_delay_seconds: int = setting(
        900, "Operator login: the longest wait for one login from one client address.",
        OPERATORS, minimum=1)
    operator_login_account_max_delay_seconds: int = setting(
        30, "Operator login: the longest wait for a login from any address; kept low so that "
        "guessing from elsewhere cannot lock the operator out.", OPERATORS, minimum=1)
    operator_login_address_budget: int = setting(
        50, "Operator login attempts one client address may make over all logins in a window "
        "(against password spraying).", OPERATORS, minimum=1)
    operator_login_address_window_seconds: int = setting(
        3600, "The window of the operator login's per-address budget.", OPERATORS, minimum=1)
    operator_login_notify_after_failures: int = setting(
        10, "Failed operator logins in a row after which the operator is mailed a one-time "
        "unlock link.", OPERATORS, minimum=1)
    operator_login_second_factor_answers: int = setting(
        10, "Second-factor answers (and passwords to remove a factor) checked per operator "
        "in a window, from any address.", OPERATORS, minimum=1)
    operator_login_second_factor_window_seconds: int = setting(
        900, "The window of the operator's second-factor answers.", OPERATORS, minimum=1)
    operator_idle_minutes: int = setting(
        30, "An operator session ends after this long without a request.", OPERATORS, minimum=1)
    operator_lifetime_hours: float = setting(
        12.0, "An operator session ends this long after login, active or not.", OPERATORS)

    # Plugins
    load_plugins: bool = setting(
        True, "Load installed plugins (entry points); false runs the core alone.", PLUGINS)
    disabled_plugins: tuple[str, ...] = setting(
        (), "Installed plugins not loaded at all (names, space or comma separated), e.g. one "
        "that breaks at import.", PLUGINS)

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


# Parsing ----------------------------------------------------------------------
def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"{value!r} is not true or false")


def _parse_int(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a whole number") from None


def _parse_float(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None


def _parse_names(value: Any) -> tuple[str, ...]:
    if isinstance(value, list | tuple):
        return tuple(str(item) for item in value)
    return tuple(item for item in str(value).replace(",", " ").split() if item)


def _parse_text(value: Any) -> str:
    if isinstance(value, str | os.PathLike):
        return str(value).strip()
    raise ValueError(f"{value!r} is not text")


def parse_value(item: dataclasses.Field, value: Any) -> Any:
    """One field's value from the ini (text) or from a caller that passed it typed."""
    kind = TYPES[item.name]
    if typing.get_origin(kind) is Literal:
        choices = typing.get_args(kind)
        value = str(value).strip()
        if value not in choices:
            raise ValueError(f"{value!r} is not one of {', '.join(choices)}")
        return value
    if kind is bool:
        return _parse_bool(value)
    if kind is int or kind == int | None:  # None is the default, never parsed from the ini
        parsed = _parse_int(value)
        if item.metadata["minimum"] is not None and parsed < item.metadata["minimum"]:
            raise ValueError(f"{parsed} is below the minimum of {item.metadata['minimum']}")
        return parsed
    if kind is float:
        return _parse_float(value)
    if kind == tuple[str, ...]:
        return _parse_names(value)
    return _parse_text(value)


def _unknown(key: str) -> str:
    close = difflib.get_close_matches(key, FIELDS_BY_KEY, n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    return (f"unknown setting{hint} (docs/settings.md lists the core's; a plugin's own are "
            f"named {PLUGIN_PREFIX}<plugin>.<key>)")


def parse_settings(raw: Mapping[str, Any]) -> PraxSettings:
    """The typed settings of an ini's ``[app:main]`` (environment overrides applied).

    Keys outside ``praxcloud.`` (``pyramid.*``, ``mail.*``) are not ours and
    are left alone. An empty value means "not set": the default applies.
    """
    values: dict[str, Any] = {}
    plugin_values: dict[str, dict[str, str]] = {}
    problems: dict[str, str] = {}
    for key, value in raw.items():
        if not key.startswith(PREFIX):
            continue
        if key.startswith(PLUGIN_PREFIX):
            plugin, _, name = key[len(PLUGIN_PREFIX):].partition(".")
            if not plugin or not name:
                problems[key] = f"a plugin's setting is named {PLUGIN_PREFIX}<plugin>.<key>"
            else:
                plugin_values.setdefault(plugin, {})[name] = "" if value is None else str(value)
            continue
        item = FIELDS_BY_KEY.get(key)
        if item is None:
            problems[key] = _unknown(key)
        elif value is None or value == "":
            continue
        else:
            try:
                values[item.name] = parse_value(item, value)
            except ValueError as exc:
                problems[key] = str(exc)
    if problems:
        raise SettingsError(problems)
    frozen = {plugin: types.MappingProxyType(keys) for plugin, keys in plugin_values.items()}
    return PraxSettings(**values, plugin_values=types.MappingProxyType(frozen))


# Reading ----------------------------------------------------------------------
def settings_of(source: Any) -> PraxSettings:
    """The typed settings of a request, a registry (or configurator), or a raw settings mapping.

    A registry carries the object parsed once at start-up; a plain mapping
    (start-up code and tests handed a dict) is parsed on each call, so code
    that runs per request asks with the request or the registry.
    """
    if isinstance(source, PraxSettings):
        return source
    registry = getattr(source, "registry", source)
    parsed = getattr(registry, ATTRIBUTE, None)
    if isinstance(parsed, PraxSettings):
        return parsed
    # pyramid's Registry is itself a dict: take its settings, not its contents.
    return parse_settings(getattr(registry, "settings", registry) or {})


def plugin_ini_settings(source: Any, plugin: str) -> Mapping[str, str]:
    """A plugin's own ini settings (``praxcloud.plugin.<plugin>.<key>``), by ``<key>``, as text.

    Platform-wide values for every tenant; a tenant's own settings for the
    plugin live in the database (``praxcloud_plugin_info``'s schema).
    """
    return settings_of(source).plugin_values.get(plugin, types.MappingProxyType({}))


def install_settings(registry, parsed: PraxSettings | None = None) -> PraxSettings:
    """Parse the registry's settings once (start-up), or put ``parsed`` in their place (tests)."""
    if parsed is None:
        parsed = parse_settings(registry.settings or {})
    setattr(registry, ATTRIBUTE, parsed)
    return parsed
