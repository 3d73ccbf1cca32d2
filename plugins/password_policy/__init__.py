"""password_policy: what passwords a tenant accepts, enforced wherever one is set.

Registered in setup.cfg as ``password_policy = plugins.password_policy``.
The core asks it for the rules (``praxcloud_password_rules``: the lengths,
the hint, the strength meter's assets) and for its objections
(``praxcloud_validate_password``) on every path that sets a password:
an administrator creating a user (console, API, CLI), a change, a reset,
an invitation. The defaults follow NIST SP 800-63B-4 and OWASP ASVS 5.0
(see :mod:`.config`); a blocklist of common and leaked passwords and the
user's own words is always on, a local Pwned Passwords file when the
operator configures one (``praxcloud.plugin.password_policy.pwned_passwords_file``).
What a contract may add (composition rules, history, expiry) is marked in
the consoles as against that advice. README.md has the rest.
"""

from __future__ import annotations

import logging
from pathlib import Path

from praxcloud.plugin import (
    OpenApiPart,
    PasswordRules,
    PluginDescription,
    RequiredAction,
    SettingsError,
    add_assets,
    clear_required_action,
    hookimpl,
    plugin_ini_settings,
)

from . import expiry, history, policy
from .config import NAME, PWNED_FILE_KEY, SETTINGS_SCHEMA, tenant_settings
from .openapi import openapi_part
from .pwned import PwnedFile
from .routes import add_routes

HERE = Path(__file__).parent
log = logging.getLogger(__name__)


@hookimpl
def praxcloud_plugin_info() -> PluginDescription:
    return {
        "name": NAME,
        "description": "Password rules after NIST SP 800-63B-4: length, a blocklist of common "
                       "and leaked passwords, a strength meter; optional composition rules, "
                       "history and expiry",
        "settings_schema": SETTINGS_SCHEMA,
        "tenant_migrations": str(HERE / "migrations"),
    }


@hookimpl
def praxcloud_includeme(config):
    path = plugin_ini_settings(config.registry, NAME).get(PWNED_FILE_KEY, "").strip()
    if path:
        try:
            config.registry[policy.PWNED_KEY] = PwnedFile(path)
        except ValueError as exc:
            # The plugin is taken out of service, saying why, rather than run without it.
            raise SettingsError({f"praxcloud.plugin.{NAME}.{PWNED_FILE_KEY}": str(exc)}) from None
    add_routes(config)
    add_assets(config, HERE / "static", prefix=f"{NAME}-")
    config.scan(".api_views")


@hookimpl
def praxcloud_openapi() -> OpenApiPart:
    return openapi_part()


@hookimpl
def praxcloud_password_rules(request, user) -> PasswordRules:
    return policy.rules_for(request, user)


@hookimpl
def praxcloud_validate_password(request, user, password) -> list[str]:
    found = policy.violations(request, user, password)
    if found:
        # Which rules, never the password; durable: a refused form rolls back.
        request.audit.record(f"{NAME}.rejected", outcome="failure",
                             target=user.email if user is not None else None,
                             details={"rules": [code for code, _message in found]},
                             durable=True)
    return [message for _code, message in found]


@hookimpl
def praxcloud_password_changed(request, user) -> None:
    keep = tenant_settings(request)["history_count"]
    if keep and user.password_hash:
        history.remember(request, user, keep)
    identity = getattr(request, "praxcloud_identity", None)
    if identity is not None and identity.user.id == user.id:
        # The user changed it in this session: it is no longer held.
        clear_required_action(identity.session, expiry.ACTION)


@hookimpl
def praxcloud_authenticated(request, user) -> list[RequiredAction]:
    if not expiry.is_expired(user, tenant_settings(request)["expire_days"]):
        return []
    request.audit.record(f"{NAME}.expired", target=user.email,
                         details={"changed_at": user.password_changed_at.isoformat()
                                  if user.password_changed_at else None})
    return [dict(expiry.EXPIRED)]


@hookimpl
def praxcloud_erase_person(request, email, user_id, record_ids):
    """The right to be forgotten (the anonymiser plugin): the person's rows here go too."""
    from sqlalchemy import delete

    from . import models

    if user_id is None:
        return None
    erased = {}
    for model in ("PasswordHistory",):
        table = getattr(models, model)
        erased[table.__tablename__] = request.tenant_db.execute(
            delete(table).where(table.user_id == user_id),
            execution_options={"synchronize_session": False}).rowcount
    return erased
