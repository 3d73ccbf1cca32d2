"""A tenant's contract: which plugins it uses and with which settings.

One service for the CLI, the platform console and the tenant console:
enabling validates the settings against the plugin's schema, applies the
plugin's migrations to the tenant's database, calls
``praxcloud_tenant_enabled``, and audits the change in the tenant's trail
and the platform's.
"""

from __future__ import annotations

import logging
from typing import Any

import transaction
from sqlalchemy import select

from . import field_moves, settle
from .fields import PLAIN, ChangingFieldCodecs, TenantFieldCodecs, attach, codecs_of
from .migrations import upgrade_tenant
from .models import PlatformAuditEvent, Tenant, TenantPlugin
from .plugins import PluginError, PluginHost
from .provisioning import TenantNotFound
from .scripting import tenant_request
from .security_epoch import bump as bump_security_epoch

log = logging.getLogger(__name__)


def _own_manager() -> transaction.TransactionManager:
    """A transaction manager of its own for the tenant-side work.

    Called from a web request (tenant or platform console), the thread's
    default manager holds that request's open transaction; beginning another
    on it would abort the request's work. An explicit manager keeps the two apart.
    """
    return transaction.TransactionManager(explicit=True)


def plugin_migrations(host: PluginHost) -> dict[str, str]:
    """Every installed plugin with tenant tables -> its alembic version directory."""
    return {name: info.tenant_migrations for name, info in host.infos.items()
            if info.tenant_migrations}


def _load(platform_db, slug: str) -> Tenant:
    tenant = platform_db.scalars(select(Tenant).where(Tenant.slug == slug)).first()
    if tenant is None:
        raise TenantNotFound(slug)
    return tenant


def _platform_audit(platform_db, event: str, slug: str, actor: str | None, details: dict) -> None:
    platform_db.add(PlatformAuditEvent(event=event, tenant_slug=slug, actor=actor,
                                       details=details))


def enable(registry, slug: str, name: str, settings: dict[str, Any] | None = None,
           actor: str | None = None, progress=None, batch_size: int | None = None,
           settle_seconds: float | None = None, background: bool = False) -> dict[str, Any]:
    """Add plugin ``name`` to the tenant's contract.

    A plugin that encodes fields records a move on its contract line, and
    the tenant's stored values are moved in committed batches after the
    contract is committed (:mod:`.field_moves`); enabling it again while
    that move is unfinished continues the move.
    """
    host: PluginHost = registry.plugin_host
    validated = host.validate_settings(name, settings or {})
    tenancy = registry.tenancy
    moves = field_moves.has_codecs(host, name)
    with tenancy.platform_session() as platform_db:
        tenant = _load(platform_db, slug)
        resuming = field_moves.pending(tenant, name) == field_moves.ENABLE
        if resuming:
            stored = host.validate_settings(name, tenant.plugin_settings(name))
            if settings and stored != validated:
                raise PluginError(f"plugin {name!r} is being enabled for {slug!r} with other "
                                  "settings: enable it again without settings to finish, "
                                  "then configure it")
            validated = stored
        elif field_moves.pending(tenant, name) == field_moves.DISABLE:
            raise PluginError(f"plugin {name!r} is being disabled for {slug!r}: disable it "
                              "again to finish, then enable it")
        elif name in tenant.enabled_plugins:
            raise PluginError(f"plugin {name!r} is already enabled for {slug!r}")
        else:
            upgrade_tenant(tenancy.engine_for(tenant), plugin_migrations(host),
                           tenant.enabled_plugins | {name})
            tenant.plugins.append(TenantPlugin(
                plugin=name, settings=validated,
                move=field_moves.new_move(field_moves.ENABLE) if moves else None))
            # A new plugin may ask something of sessions already open (enrol a factor, ...).
            bump_security_epoch(platform_db, tenant.id)
            _platform_audit(platform_db, "plugin.enable", slug, actor, {"plugin": name})
    # Every process sees the recorded move within tenant_cache_seconds of its commit.
    started = settle.clock_of(registry)()
    if not resuming:
        try:
            with tenant_request(registry, slug, transaction_manager=_own_manager(),
                                maintenance=True) as request:
                hook = getattr(host.pm.get_plugin(name), "praxcloud_tenant_enabled", None)
                if hook is not None:
                    hook(tenant=request.tenant, settings=validated, tenant_db=request.tenant_db)
                request.audit.record("plugin.enable", actor=actor or "platform",
                                     details={"plugin": name})
        except BaseException:
            # The plugin could not provision the tenant: take the contract line back
            # (nothing was moved yet: the move starts after the hook).
            with tenancy.platform_session() as platform_db:
                tenant = _load(platform_db, slug)
                tenant.plugins[:] = [p for p in tenant.plugins if p.plugin != name]
            raise
    if moves:
        _move(registry, slug, background, progress, batch_size, settle_seconds, started)
    return validated


def disable(registry, slug: str, name: str, actor: str | None = None, progress=None,
            batch_size: int | None = None, settle_seconds: float | None = None,
            background: bool = False) -> None:
    """Take plugin ``name`` off the tenant's contract.

    A plugin that encodes fields stays on it, recorded as being disabled,
    until every stored value has been moved back to plain (its codecs read
    what is not moved yet, its data keys are kept); disabling it again
    after an interruption continues the move.
    """
    host: PluginHost = registry.plugin_host
    if field_moves.has_codecs(host, name):
        with registry.tenancy.platform_session() as platform_db:
            tenant = _load(platform_db, slug)
            row = next((p for p in tenant.plugins if p.plugin == name), None)
            if row is None:
                raise PluginError(f"plugin {name!r} is not enabled for {slug!r}")
            action = field_moves.pending(tenant, name)
            if action not in (None, field_moves.DISABLE):
                raise PluginError(f"plugin {name!r} of {slug!r} has an unfinished {action}: "
                                  "finish it first (praxcloud keys rotate --finish)")
            if action is None:
                row.move = field_moves.new_move(field_moves.DISABLE)
        started = settle.clock_of(registry)()
        with tenant_request(registry, slug, transaction_manager=_own_manager(),
                            maintenance=True) as request:
            # Recorded now, stored plain: the move writes the new (plain) form.
            request.audit.record("plugin.disable", actor=actor or "platform",
                                 details={"plugin": name})
        if background:
            field_moves.queue_finish(registry, slug, actor)
        else:
            finish_moves(registry, slug, progress, batch_size, settle_seconds, started,
                         actor=actor)
        return
    with tenant_request(registry, slug, transaction_manager=_own_manager(),
                            maintenance=True) as request:
        if name not in request.tenant.enabled_plugins:
            raise PluginError(f"plugin {name!r} is not enabled for {slug!r}")
        request.audit.record("plugin.disable", actor=actor or "platform",
                             details={"plugin": name})
        hook = getattr(host.pm.get_plugin(name), "praxcloud_tenant_disabled", None)
        if hook is not None:
            hook(tenant=request.tenant, tenant_db=request.tenant_db)
    _remove_line(registry, slug, name, actor)


def _remove_line(registry, slug: str, name: str, actor: str | None) -> None:
    with registry.tenancy.platform_session() as platform_db:
        tenant = _load(platform_db, slug)
        tenant.plugins[:] = [p for p in tenant.plugins if p.plugin != name]
        bump_security_epoch(platform_db, tenant.id)
        _platform_audit(platform_db, "plugin.disable", slug, actor, {"plugin": name})


def _move(registry, slug: str, background: bool, progress, batch_size, settle_seconds,
          started) -> None:
    # From the web a request must not hold a million rows' move: a Celery job does it.
    if background:
        field_moves.queue_finish(registry, slug)
    else:
        finish_moves(registry, slug, progress, batch_size, settle_seconds, started)


def finish_moves(registry, slug: str, progress=None, batch_size: int | None = None,
                 settle_seconds: float | None = None, started: float | None = None,
                 actor: str | None = None) -> dict[str, str]:
    """Finish every recorded move of ``slug``: values moved, records cleared, a disabled
    plugin's line removed (after its ``praxcloud_tenant_disabled``). Returns plugin ->
    action finished; safe to run at any time (nothing recorded: nothing done)."""
    with registry.tenancy.platform_session() as platform_db:
        moves = field_moves.moves_of(_load(platform_db, slug))
    if not moves:
        return {}
    recorded = {plugin: move["action"] for plugin, move in moves.items()}
    # The batches' checkpoint is the moves': a new move starts from the first row.
    ids = sorted(move.get("id") or "" for move in moves.values())
    move_id = "-".join(ids) if all(ids) else None
    field_moves.move_values(registry, slug, progress, batch_size, settle_seconds, started,
                            move_id=move_id)
    host: PluginHost = registry.plugin_host
    for plugin, action in recorded.items():
        if action == field_moves.DISABLE:
            with tenant_request(registry, slug, transaction_manager=_own_manager(),
                                maintenance=True) as request:
                hook = getattr(host.pm.get_plugin(plugin), "praxcloud_tenant_disabled", None)
                if hook is not None:
                    hook(tenant=request.tenant, tenant_db=request.tenant_db)
            _remove_line(registry, slug, plugin, actor)
    with registry.tenancy.platform_session() as platform_db:
        for row in _load(platform_db, slug).plugins:
            if row.plugin in recorded:
                row.move = None
    return recorded


def configure(registry, slug: str, name: str, changes: dict[str, Any],
              actor: str | None = None, progress=None, batch_size: int | None = None,
              settle_seconds: float | None = None, background: bool = False) -> dict[str, Any]:
    """Change some settings; the whole result is validated before anything is stored.

    The plugin hears of the change (``praxcloud_plugin_settings_changed``)
    before the contract is committed, with a session on the tenant's
    database that reads and writes through the codecs of the new settings
    and commits just before the contract does: rows it rewrites are kept
    only with the change, and a plugin that raises refuses the change as a
    whole.
    """
    host: PluginHost = registry.plugin_host
    with registry.tenancy.platform_session() as platform_db:
        tenant = _load(platform_db, slug)
        row = next((p for p in tenant.plugins if p.plugin == name), None)
        if row is None:
            raise PluginError(f"plugin {name!r} is not enabled for {slug!r}")
        info = host.info(name)
        # As the plugin read them until now: stored values over today's defaults.
        old = {**info.defaults(), **(row.settings or {})}
        old_stored = dict(row.settings or {})
        validated = host.validate_settings(name, {**(row.settings or {}), **changes})
        # What the tenant's rows are stored under until the plugin has moved them.
        resolver = registry.tenancy.field_codecs
        old_codecs = PLAIN if resolver is None else resolver.for_tenant(tenant)
        moves = field_moves.has_codecs(host, name) and validated != old_stored
        if moves:
            action = field_moves.pending(tenant, name)
            if action is not None:
                raise PluginError(f"plugin {name!r} of {slug!r} has an unfinished {action}: "
                                  "finish it first (praxcloud keys rotate --finish)")
            # The values are moved after the change commits, in batches.
            row.move = field_moves.new_move(field_moves.CONFIGURE, old=old_stored)
        row.settings = validated
        bump_security_epoch(platform_db, tenant.id)
        shown = sorted(changes)
        _platform_audit(platform_db, "plugin.configure", slug, actor,
                        {"plugin": name, "keys": shown})
        _settings_changed(registry, tenant, name, old, validated, old_codecs)
    started = settle.clock_of(registry)()
    with tenant_request(registry, slug, transaction_manager=_own_manager(),
                            maintenance=True) as request:
        request.audit.record("plugin.configure", actor=actor or "platform",
                             details={"plugin": name, "keys": shown})
    if moves:
        _move(registry, slug, background, progress, batch_size, settle_seconds, started)
    return info.public_settings(validated)


def _settings_changed(registry, tenant: Tenant, name: str, old: dict[str, Any],
                      new: dict[str, Any], old_codecs: TenantFieldCodecs = PLAIN) -> None:
    """Tell plugin ``name`` (and no other: settings may hold secrets) that its settings change.

    ``tenant`` already holds the new settings (not yet committed), so the
    tenant session opened here uses the new settings' field codecs. Opened
    only when the plugin listens: a tenant database is not touched for
    nothing. Any exception refuses the change (fail closed), reported as a
    PluginError so that every caller (CLI, platform console, tenant
    console) shows it like an invalid setting.
    """
    hook = registry.plugin_host.for_tenant(frozenset({name})).praxcloud_plugin_settings_changed
    if not hook.get_hookimpls():
        return
    try:
        with registry.tenancy.tenant_transaction(tenant) as tenant_db:
            attach(tenant_db, ChangingFieldCodecs(old_codecs, codecs_of(tenant_db)))
            hook(tenant=tenant, plugin=name, old=old, new=new, tenant_db=tenant_db)
    except Exception as exc:
        log.warning("plugin %s refused a settings change for tenant %s", name, tenant.slug,
                    exc_info=True)
        raise PluginError(f"plugin {name!r} refused the new settings: {exc}") from exc


def parse_assignments(pairs: list[str], host: PluginHost, name: str) -> dict[str, Any]:
    """``KEY=VALUE`` strings into typed values, as the plugin's schema declares them."""
    import json

    properties = host.info(name).settings_schema.get("properties", {})
    result: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise PluginError(f"expected KEY=VALUE, got {pair!r}")
        kind = properties.get(key, {}).get("type")
        if kind in ("integer", "number", "boolean", "array", "object"):
            try:
                result[key] = json.loads(raw)
            except ValueError:
                raise PluginError(f"{key}: {raw!r} is not a valid {kind}",
                                  {key: f"not a valid {kind}"}) from None
        else:
            result[key] = raw
    return result
