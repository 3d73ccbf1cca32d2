"""Security keys and passkeys (WebAuthn) as a second factor, and passwordless sign-in.

Registered as ``mfa_webauthn = plugins.mfa_webauthn`` in the
``praxcloud.plugins`` entry-point group. Users register several
authenticators, name them and remove them; a user with one is asked for it
after the password (the core's second-factor step), and a tenant that sets
``passwordless`` lets them sign in with a discoverable credential (passkey)
alone. Ceremonies are in :mod:`.service` (the login's second step in
:mod:`.second_factor`, passwordless sign-in in :mod:`.passkeys`), pages in :mod:`.console_views`,
JSON in :mod:`.api_views` (described for the OpenAPI document in :mod:`.openapi`).
"""

from __future__ import annotations

import json
from pathlib import Path

from praxcloud.plugin import (
    LoginMethod,
    OpenApiPart,
    PluginDescription,
    SecondFactorFailed,
    SecondFactorOption,
    add_assets,
    hookimpl,
)

from .openapi import openapi_part
from .routes import ENROL_ROUTES, add_routes
from .second_factor import start_second_factor, verify_second_factor
from .service import (
    METHOD,
    USER_HANDLE_PURPOSE,
    WebauthnRejected,
    count_of,
    credentials_of,
    delete_all,
    parse_credential_text,
)
from .tenant_settings import NAME, SETTINGS_SCHEMA, passwordless_allowed

HERE = Path(__file__).parent
PROMPT_TEMPLATE = "plugins.mfa_webauthn:templates/prompt.jinja2"


@hookimpl
def praxcloud_plugin_info() -> PluginDescription:
    return {
        "name": NAME,
        "description": "Security keys and passkeys (WebAuthn) as a second factor, "
                       "and passwordless sign-in with passkeys",
        "settings_schema": SETTINGS_SCHEMA,
        "tenant_migrations": str(HERE / "migrations"),
        # Passkeys' user handles follow the data into a restored copy.
        "data_origin_keys": [USER_HANDLE_PURPOSE],
    }


@hookimpl
def praxcloud_includeme(config):
    add_routes(config)
    add_assets(config, HERE / "static", prefix="mfa_webauthn-")
    config.scan(".console_views")
    config.scan(".api_views")


@hookimpl
def praxcloud_openapi() -> OpenApiPart:
    return openapi_part()


def _has_keys(request, user) -> bool:
    return count_of(request.tenant_db, user.id) > 0


@hookimpl
def praxcloud_second_factors(request, user):
    return [METHOD] if _has_keys(request, user) else []


@hookimpl
def praxcloud_verify_second_factor(request, user, method, payload, challenge):
    if method != METHOD:
        return None
    credential = (payload or {}).get("credential")
    if isinstance(credential, str):  # the console form posts JSON text
        try:
            credential = parse_credential_text(credential)
        except WebauthnRejected as exc:
            raise SecondFactorFailed(exc.message, code=exc.code) from None
    verify_second_factor(request, challenge, user, credential)
    return True


@hookimpl
def praxcloud_second_factor_prompt(request, user, method, challenge):
    if method != METHOD:
        return None
    options = start_second_factor(request, challenge, user)
    return {"template": PROMPT_TEMPLATE, "webauthn_options": json.dumps(options)}


@hookimpl
def praxcloud_second_factor_options(request, user) -> list[SecondFactorOption]:
    keys = credentials_of(request.tenant_db, user.id)
    if not keys:
        summary = "No security key yet"
    elif len(keys) == 1:
        summary = "1 security key"
    else:
        summary = f"{len(keys)} security keys"
    return [{
        "method": METHOD,
        "title": "Security keys and passkeys",
        "enrolled": bool(keys),
        "summary": summary,
        "url": request.route_url("mfa_webauthn.manage", tenant=request.tenant.slug),
        "routes": list(ENROL_ROUTES),
    }]


@hookimpl
def praxcloud_reset_second_factors(request, user):
    return [METHOD] if delete_all(request.tenant_db, user.id) else []


@hookimpl
def praxcloud_login_methods(request) -> list[LoginMethod]:
    if not passwordless_allowed(request):
        return []
    return [{"title": "Sign in with a passkey",
             "url": request.route_url("mfa_webauthn.passkey_login", tenant=request.tenant.slug)}]


@hookimpl
def praxcloud_erase_person(request, email, user_id, record_ids):
    """The right to be forgotten (the anonymiser plugin): the person's rows here go too."""
    from sqlalchemy import delete

    from . import models

    if user_id is None:
        return None
    erased = {}
    for model in ("WebauthnCredential", "WebauthnChallenge"):
        table = getattr(models, model)
        erased[table.__tablename__] = request.tenant_db.execute(
            delete(table).where(table.user_id == user_id),
            execution_options={"synchronize_session": False}).rowcount
    return erased
