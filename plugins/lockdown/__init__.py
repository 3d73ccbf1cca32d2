"""lockdown: a user who tries to reach beyond their rights is locked out (requirement P5).

Registered in setup.cfg as ``lockdown = plugins.lockdown``. Hears of every
refused request (``praxcloud_permission_denied``) and of the attempts the
core catches itself (``praxcloud_escalation_attempt``: a session sent to
another tenant's address, another user's token replayed) and judges them
(:mod:`.locks`): a change that needs an administrator's permission, or such
an attempt, locks the account at once (by default); other refusals count towards a softer
threshold. A lock disables the account, ends every session and token,
is audited and mailed to the tenant's user managers; only an
administrator unlocks (console page and API). README.md has the rest.
"""

from __future__ import annotations

from pathlib import Path

from praxcloud.plugin import (
    USERS_MANAGE,
    MenuLink,
    OpenApiPart,
    PluginDescription,
    hookimpl,
)

from . import locks
from .config import NAME, SETTINGS_SCHEMA
from .openapi import openapi_part
from .routes import add_routes

HERE = Path(__file__).parent


@hookimpl
def praxcloud_plugin_info() -> PluginDescription:
    return {
        "name": NAME,
        "description": "Locks out a user who tries to reach beyond their rights: sessions "
                       "ended, account disabled, administrators told; only they unlock",
        "settings_schema": SETTINGS_SCHEMA,
        "tenant_migrations": str(HERE / "migrations"),
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
def praxcloud_permission_denied(request, user, permission, context) -> None:
    locks.judge(request, user, permission)


@hookimpl
def praxcloud_escalation_attempt(request, user, kind, details) -> None:
    locks.judge_attempt(request, user, kind, details)


@hookimpl
def praxcloud_menu_links(request) -> list[MenuLink]:
    return [{"title": "Locked users", "route": "lockdown.manage", "permission": USERS_MANAGE}]


@hookimpl
def praxcloud_erase_person(request, email, user_id, record_ids):
    """The right to be forgotten (the anonymiser plugin): the person's rows here go too."""
    from sqlalchemy import delete

    from . import models

    if user_id is None:
        return None
    erased = {}
    for model in ("Lock",):
        table = getattr(models, model)
        erased[table.__tablename__] = request.tenant_db.execute(
            delete(table).where(table.user_id == user_id),
            execution_options={"synchronize_session": False}).rowcount
    return erased
