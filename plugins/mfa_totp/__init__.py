"""mfa_totp: a second factor from an authenticator app (TOTP, RFC 6238), with recovery codes.

Registered in setup.cfg as ``mfa_totp = plugins.mfa_totp``. A user enrols
on the console (``/{tenant}/account/mfa/totp``: a QR code, the secret as
text, a first code to confirm) or through the API
(``/api/v1/{tenant}/mfa/totp/...``, described in the served OpenAPI
document: see :mod:`.openapi`); from then on every login asks for a
code after the password. The login's second step takes method ``totp`` and,
in the same ``code`` field, either the app's 6-digit code or one of the ten
single-use recovery codes (``xxxx-xxxx-xxxx-xxxx``); there is no separate
method name for recovery codes.

Settings (per tenant): ``max_failures_per_hour`` and
``clock_skew_detection_minutes`` (see :mod:`.config`).
"""

from __future__ import annotations

from pathlib import Path

from praxcloud.plugin import (
    OpenApiPart,
    PluginDescription,
    SecondFactorFailed,
    SecondFactorOption,
    add_assets,
    add_method_not_allowed_views,
    hookimpl,
)

from .codes import MALFORMED
from .config import METHOD, NAME, SETTINGS_SCHEMA
from .openapi import openapi_part
from .recovery import KEY_PURPOSE as RECOVERY_KEY_PURPOSE
from .routes import API_ROUTES, ENROL_ROUTES, add_routes
from .service import KEY_PURPOSE as SECRET_KEY_PURPOSE
from .service import TotpService

HERE = Path(__file__).parent

PROMPT_HINT = "The 6-digit code from your authenticator app, or one of your recovery codes."


@hookimpl
def praxcloud_plugin_info() -> PluginDescription:
    return {
        "name": NAME,
        "description": "Two-step sign-in with an authenticator app (TOTP) and recovery codes",
        "settings_schema": SETTINGS_SCHEMA,
        "tenant_migrations": str(HERE / "migrations"),
        # The secrets and recovery-code hashes follow the data into a restored copy.
        "data_origin_keys": [SECRET_KEY_PURPOSE, RECOVERY_KEY_PURPOSE],
    }


@hookimpl
def praxcloud_includeme(config):
    add_routes(config)
    add_assets(config, HERE / "static", prefix="mfa_totp-")
    config.scan(".console_views")
    config.scan(".api_views")
    add_method_not_allowed_views(config, API_ROUTES, NAME)


@hookimpl
def praxcloud_openapi() -> OpenApiPart:
    return openapi_part()


@hookimpl
def praxcloud_second_factors(request, user):
    return [METHOD] if TotpService(request).is_enrolled(user) else []


@hookimpl
def praxcloud_verify_second_factor(request, user, method, payload):
    if method != METHOD:
        return None
    code = payload.get("code") if isinstance(payload, dict) else None
    if not isinstance(code, str):
        raise SecondFactorFailed(MALFORMED, code="totp_malformed")
    TotpService(request).verify(user, code)
    return True


@hookimpl
def praxcloud_second_factor_prompt(request, user, method, challenge):
    if method != METHOD:
        return None
    return {"template": "plugins.mfa_totp:templates/prompt.jinja2", "hint": PROMPT_HINT}


@hookimpl
def praxcloud_second_factor_options(request, user) -> list[SecondFactorOption]:
    status = TotpService(request).status(user)
    if status["enrolled"]:
        left = status["recovery_codes_left"]
        summary = f"On; {left} unused recovery code{'s' if left != 1 else ''}"
    else:
        summary = "Not set up"
    return [{
        "method": METHOD,
        "title": "Authenticator app",
        "enrolled": status["enrolled"],
        "summary": summary,
        "url": request.route_url("mfa_totp.manage", tenant=request.tenant.slug),
        "routes": list(ENROL_ROUTES),
    }]


@hookimpl
def praxcloud_reset_second_factors(request, user):
    return [METHOD] if TotpService(request).remove(user) else []


@hookimpl
def praxcloud_erase_person(request, email, user_id, record_ids):
    """The right to be forgotten (the anonymiser plugin): the person's rows here go too."""
    from sqlalchemy import delete

    from . import models

    if user_id is None:
        return None
    erased = {}
    for model in ("TotpDevice", "TotpRecoveryCode"):
        table = getattr(models, model)
        erased[table.__tablename__] = request.tenant_db.execute(
            delete(table).where(table.user_id == user_id),
            execution_options={"synchronize_session": False}).rowcount
    return erased
