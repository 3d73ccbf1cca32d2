"""The public plugin API: everything a PraxCloud plugin may import, and nothing else.

A plugin (ours under ``plugins/`` or another team's distribution) imports
from this package only: ``from praxcloud.plugin import hookimpl, api_view``.
The names here are the stable surface; ``praxcloud.core`` may be rearranged
between releases without notice, and a test fails when anything under
``plugins/`` or the example plugin imports it directly. Each name is
documented with a one-line purpose in docs/writing-plugins.md ("The public
API"); a test keeps that list and ``__all__`` the same.

Two sub-modules hold what only second-factor plugins need:
:mod:`praxcloud.plugin.totp` (RFC 6238) and :mod:`praxcloud.plugin.webauthn`
(WebAuthn ceremonies around py_webauthn).
"""

from __future__ import annotations

# ruff: noqa: I001 - imports are grouped by purpose, in the order docs/writing-plugins.md lists them

from sqlalchemy import MetaData

# --- The hook marker ---------------------------------------------------------------
from ..core.hookspecs import hookimpl

# --- The shapes of hook answers (docs/hooks.md, "Answer types") -------------------
from ..core.hook_types import (
    ConsolePanel,
    LoginMethod,
    MenuLink,
    OpenApiPart,
    PasswordRules,
    PeriodicTask,
    PluginDescription,
    RequiredAction,
    SecondFactorOption,
)

# --- Exceptions --------------------------------------------------------------------
from ..core.errors import ApiError, PraxError, TenantUnavailable, error_body
from ..core.plugins import PluginError, PluginSettingsInvalid, UnknownPlugin
from ..core.provisioning import TenantNotFound
from ..core.auth import AuthenticationFailed, LoginRefused, SecondFactorFailed
from ..core.crypto import KeyError_ as SealedValueError
from ..core.shared_state import SharedStateError
from ..core.stepup import ReauthFailed, ReauthRequired
from ..core.settings import SettingsError

# --- Models and column types for a plugin's tables ---------------------------------
from ..core.models import KIND_API, KIND_CONSOLE, AuditEvent, Group, LoginChallenge, Record, User
from ..core.models.meta import NAMING_CONVENTION
from ..core.models.second_factor_columns import (
    TotpDeviceColumns,
    WebauthnChallengeColumns,
    WebauthnKeyColumns,
)
from ..core.models.types import UTCDateTime, utcnow
from ..core.migrations import core_tenant_head

# --- Permissions -------------------------------------------------------------------
from ..core.permissions import (
    AUDIT_READ,
    AUTHENTICATED,
    RECORDS_ERASE,
    RECORDS_READ,
    RECORDS_WRITE,
    SESSIONS_MANAGE,
    SETTINGS_MANAGE,
    USERS_MANAGE,
)
from ..core.security import OPERATOR_PERMISSION

# --- Views: API and console --------------------------------------------------------
from ..core.views_support import (add_method_not_allowed_views, add_plugin_routes,
                                  api_route_patterns, api_view, json_body, no_content)
from ..core.api.serialize import iso as iso_time
from ..core.api.schemas import check as check_json
from ..core.forms import FORM_INVALID, sentence
from ..core.console.common import form_text, object_id, redirect, safe_next
from ..core.assets import add_assets

# --- OpenAPI: a plugin's part of the served document (praxcloud_openapi) -----------
from ..core.api.document import ID_PARAM, error_response, json_response, operation, ref
from ..core.api.document import no_content as no_content_response

# --- Platform settings (the ini): the core's, typed, and a plugin's own ----------
from ..core.settings import PraxSettings, plugin_ini_settings, settings_of

# --- Login, second factors, step-up ------------------------------------------------
from ..core.auth import check_login_allowed, load_challenge, open_session, second_factors
from ..core.user_admin import end_sessions as end_user_sessions
from ..core.local_auth import find_user_by_email
from ..core.login_limits import client_bucket
from ..core.console.auth_views import finish_login
from ..core.mfa import enrolment_done, is_required as second_factor_required, notify_user
from ..core.stepup import confirm_password, require_recent_auth
from ..core.security_epoch import reevaluate_sessions, reevaluate_tenant_sessions
from ..core.required_actions import (add_required_action, clear_required_action,
                                     pending_required_actions, required_action_routes)

# --- Secrets, tokens, mail, background work ---------------------------------------
from ..core.crypto import seal, unseal
from ..core.durable import durable_write as write_durably, revoke_user_sessions
from ..core.passwords import matches
from ..core.tokens import hash_token, new_token, same as same_token
from ..core.mail import send_mail
from ..core.accounts import public_base_url
from ..core.tasks import (commit_batch, delete_in_batches, platform_task, tenant_task,
                          tenants_with_plugin)
from ..core.scripting import tenant_request
from ..cli.state import current_registry

# --- Pages in the platform operators' console (praxcloud_platform_menu_links) -----
from ..core.platform_tenants import (operator_tenant_request, operator_tenant_requests,
                                     record_platform_event)

# --- Stored fields (praxcloud_field_codec) -----------------------------------------
from ..core.fields import PLAIN as PLAIN_FIELDS, FieldCodec, rewrite_all
from ..core.fields import codecs_of as stored_field_codecs
# --- A tenant's data keys: versioned, wrapped by the master key, rotated -----------
from ..core.data_keys import DataKeys
from ..core.key_rotation import finish as finish_key_rotation, queue_rotation as queue_key_rotation
from ..core.key_rotation import progress_of as key_rotation_progress
from ..core.key_rotation import rotate as rotate_data_keys
from ..core.contracts import finish_moves as finish_field_moves
from ..core.field_moves import pending as pending_field_move
from ..core.tenant_copies import prepare_restored_copy


def tenant_key(request, purpose: str) -> bytes:
    """A 256-bit key of the request's tenant for one purpose (``"myplugin/secrets"``).

    Derived from the tenant's own key (HKDF), so deleting the tenant shreds
    it; give each use its own purpose string, prefixed with the plugin's name.
    """
    return request.registry.tenancy.derive_key(request.tenant, purpose)


def data_key_status(registry, slug: str, purpose: str) -> list[dict]:
    """Each version of tenant ``slug``'s data key for ``purpose``, oldest first.

    Dicts with ``version``, ``state`` (``active``, ``decrypt_only``,
    ``retired``), ``created_at``, ``retired_at`` and ``encryptions``.
    """
    from ..core import data_keys

    return data_keys.status(registry.tenancy, slug, purpose)


def password_matches(request, password: str, stored_hash: str) -> bool:
    """Was ``stored_hash`` made from ``password``?

    ``stored_hash`` is a user's ``password_hash``, or one a plugin kept.
    Checked as a login checks it (normalised, any scheme the platform
    accepts); a malformed hash is no match, never an error.
    """
    return matches(request.registry.password_context, password, stored_hash)


def configure_tenant_plugin(request, plugin: str, changes: dict) -> dict:
    """Change the request tenant's settings of ``plugin``, as its *Plugins* page would.

    For a plugin's own settings page: the whole result is validated against
    the schema (:class:`PluginSettingsInvalid`, per field), the change is
    audited on the platform and in the tenant's trail with the logged-in
    user as actor, and ``praxcloud_plugin_settings_changed`` runs (raising
    there refuses it: :class:`PluginError`). Returns the stored settings.
    """
    from ..core import contracts

    identity = request.praxcloud_identity
    return contracts.configure(request.registry, request.tenant.slug, plugin, changes,
                               actor=identity.user.email if identity is not None else None,
                               background=True)


def tenant_shared_state(request, plugin: str):
    """The request tenant's state shared between processes, under the plugin's own keys.

    Counters with a TTL, values and expiring sets (``incr``, ``get``, ``set``,
    ``add_to_set``, ``is_member`` ...): in memory under development.ini, in
    Redis in production. Every method raises :class:`SharedStateError` when
    the store cannot answer: deny then, never allow.
    """
    return request.registry.shared_state.for_tenant(request.tenant.slug).namespace(plugin)


def plugin_metadata() -> MetaData:
    """SQLAlchemy metadata for a plugin's own declarative base, with the core's constraint names.

    A plugin keeps its tables out of the core's metadata (they exist only in
    the databases of tenants that enable it)::

        class MyBase(DeclarativeBase):
            metadata = plugin_metadata()
    """
    return MetaData(naming_convention=NAMING_CONVENTION)


__all__ = [
    # hooks and the shapes of their answers
    "hookimpl",
    "ConsolePanel", "LoginMethod", "MenuLink", "OpenApiPart", "PeriodicTask",
    "PasswordRules", "PluginDescription", "RequiredAction", "SecondFactorOption",
    # exceptions
    "ApiError", "AuthenticationFailed", "LoginRefused", "PluginError", "PluginSettingsInvalid",
    "PraxError", "ReauthFailed", "ReauthRequired", "SealedValueError", "SecondFactorFailed",
    "SettingsError", "SharedStateError", "TenantNotFound", "TenantUnavailable", "UnknownPlugin",
    "error_body",
    # models
    "AuditEvent", "Group", "KIND_API", "KIND_CONSOLE", "LoginChallenge", "NAMING_CONVENTION",
    "Record", "TotpDeviceColumns", "UTCDateTime", "User", "WebauthnChallengeColumns",
    "WebauthnKeyColumns", "core_tenant_head", "plugin_metadata", "utcnow",
    # permissions
    "AUDIT_READ", "AUTHENTICATED", "RECORDS_ERASE", "RECORDS_READ", "RECORDS_WRITE",
    "SESSIONS_MANAGE",
    "SETTINGS_MANAGE", "USERS_MANAGE", "OPERATOR_PERMISSION",
    # views
    "FORM_INVALID", "add_assets", "add_method_not_allowed_views", "add_plugin_routes",
    "api_route_patterns", "api_view", "check_json", "form_text",
    "iso_time", "json_body", "no_content", "object_id", "redirect", "safe_next", "sentence",
    # OpenAPI
    "ID_PARAM", "error_response", "json_response", "no_content_response", "operation", "ref",
    # platform settings
    "PraxSettings", "plugin_ini_settings", "settings_of",
    # login, second factors, step-up
    "check_login_allowed", "client_bucket", "confirm_password", "end_user_sessions",
    "enrolment_done",
    "find_user_by_email", "finish_login", "load_challenge", "notify_user", "open_session",
    "reevaluate_sessions", "reevaluate_tenant_sessions", "require_recent_auth",
    "second_factor_required", "second_factors",
    # required actions
    "add_required_action", "clear_required_action", "pending_required_actions",
    "required_action_routes",
    # secrets, tokens, mail, background work
    "commit_batch", "configure_tenant_plugin", "current_registry", "delete_in_batches",
    "hash_token", "new_token", "password_matches", "platform_task", "public_base_url",
    "revoke_user_sessions", "same_token", "seal",
    "send_mail", "tenant_key", "tenant_request", "tenant_shared_state", "tenant_task",
    "tenants_with_plugin", "unseal", "write_durably",
    # pages in the platform operators' console
    "operator_tenant_request", "operator_tenant_requests", "record_platform_event",
    # stored fields
    "FieldCodec", "PLAIN_FIELDS", "rewrite_all", "stored_field_codecs",
    "DataKeys", "data_key_status", "finish_key_rotation", "queue_key_rotation",
    "rotate_data_keys", "key_rotation_progress", "finish_field_moves", "pending_field_move",
    "prepare_restored_copy",
]
