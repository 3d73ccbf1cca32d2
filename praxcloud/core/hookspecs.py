"""The plugin contract.

Every hook PraxCloud calls is declared here; each docstring is the hook's
documentation (docs/hooks.md is generated from this module and a test fails
when they drift apart). Hooks marked *first result* stop at the first
implementation that returns something other than ``None``.

Hooks that take a ``request`` are called only on the plugins enabled for the
request's tenant (but ``praxcloud_platform_menu_links``, asked of every
installed plugin on the operators' pages, which have no tenant). Hooks
without a tenant (``praxcloud_plugin_info``,
``praxcloud_includeme``, ``praxcloud_openapi``, ``praxcloud_periodic_tasks``,
``praxcloud_cli``) are
called on every installed plugin, once, at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

import pluggy

from .hook_types import (
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

if TYPE_CHECKING:  # only for the annotations: hookspecs import nothing else of the core
    import click
    from pyramid.config import Configurator
    from pyramid.request import Request
    from pyramid.response import Response
    from sqlalchemy.orm import Session

    from .auth import LoginRefused
    from .data_keys import DataKeys
    from .fields import FieldCodec
    from .models import AuditEvent, LoginChallenge, Tenant, User

PROJECT = "praxcloud"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def praxcloud_plugin_info() -> PluginDescription:
    """Describe the plugin.

    Return a dict with ``name`` (the entry-point name), ``description`` and
    ``settings_schema``: a JSON Schema (draft 2020-12) object whose properties
    carry their ``default``. Properties marked ``"writeOnly": true`` are
    secrets: never shown back in the console, the CLI or logs. A tenant's
    settings are validated against this schema whenever they change.

    Optional: ``tenant_migrations``, the directory of the plugin's alembic
    revisions for its tenant tables (a branch of its own that depends on
    the core's head), and ``version``, used only when the plugin is not an
    installed distribution (the distribution's version wins). A plugin whose
    info is wrong (name, schema, defaults) is marked broken at start-up.
    """


@hookspec
def praxcloud_openapi() -> OpenApiPart:
    """Describe the plugin's JSON endpoints for the API's OpenAPI document.

    Return ``{"paths": {template: {method: operation}}, "schemas": {name: schema}}``.
    Templates start with ``/api/v1/{tenant}/``; build operations with
    ``praxcloud.plugin.operation`` (it adds the tenant parameter,
    bearer security and the common error answers) and reference schemas,
    the plugin's or the core's (``Error``, ``Token``), with ``ref(name)``.
    Name schemas after the plugin (``TotpStatus``): a name, path or
    operationId that another part already uses marks the plugin broken.
    Called once at start-up on every installed plugin.
    """


@hookspec
def praxcloud_includeme(config: Configurator) -> None:
    """Add routes, views, templates, static assets and tweens to the Pyramid configurator.

    Called once for every installed plugin. Views added with the view option
    ``plugin="NAME"`` answer 404 for tenants that have not enabled plugin
    NAME, so a plugin need not check that itself. Views that change a
second factor or other security state add ``recent_auth=True``: the user
confirms the password first when the login is more than 10 minutes old.
    """


@hookspec
def praxcloud_tenant_enabled(tenant: Tenant, settings: dict[str, Any], tenant_db: Session) -> None:
    """The tenant's contract now enables this plugin: provision its state.

    ``tenant_db`` is a SQLAlchemy session on the tenant's database, inside the
    transaction that enables the plugin; the plugin's migrations have already
    been applied. ``settings`` are the validated settings. A plugin with
    field codecs needs not rewrite the stored values here: the core moves
    them in batches after this hook (see ``praxcloud_field_codec``).
    """


@hookspec
def praxcloud_tenant_disabled(tenant: Tenant, tenant_db: Session) -> None:
    """The tenant's contract no longer enables this plugin: tear down what must go.

    For a plugin with field codecs, called once the core has moved every
    stored value back to plain, just before its contract line goes.
    """


@hookspec
def praxcloud_plugin_settings_changed(
    tenant: Tenant, plugin: str, old: dict[str, Any], new: dict[str, Any], tenant_db: Session
) -> None:
    """A tenant's settings of this plugin change from ``old`` to ``new``: adapt the tenant's data.

    Called on plugin ``plugin`` only (never on the tenant's other plugins:
    settings may hold secrets), whichever way the settings change:
    ``praxcloud plugins configure``, the platform console, the tenant
    administrators' *Plugins* page. Not called when the plugin is enabled
    (``praxcloud_tenant_enabled`` receives the first settings). ``old`` and
    ``new`` are whole settings, validated, defaults filled in; ``tenant``
    already holds ``new``.

    ``tenant_db`` is a SQLAlchemy session on the tenant's database that
    reads through the field codecs of the old settings and writes through
    those of the new (so ``rewrite_all(tenant_db, User)`` moves every row
    from the one to the other: a field taken off a codec's list is stored
    plain again, one added is encoded); it commits just before the new
    settings are stored, so what the plugin writes is kept only with the
    change. Raise to refuse the change
    (fail closed): nothing is stored and the caller sees "plugin NAME
    refused the new settings: <your message>" (keep secrets out of it).
    """


@hookspec(firstresult=True)
def praxcloud_check_request(request: Request) -> Response | None:
    """Veto a request before any view runs (IP allowlists, WAF blacklists).

    Return a Response to answer the request with it, or ``None`` to let it
    pass. ``request.tenant`` is set when the path names a tenant. An
    exception raised here denies the request (fail closed).
    """


@hookspec(firstresult=True)
def praxcloud_pre_authenticate(request: Request, login: str) -> LoginRefused | None:
    """Veto a login attempt before any credential is checked (slowdown, lockdown).

    Return ``None`` to let it go on, or a
    :class:`praxcloud.plugin.LoginRefused` describing why not (with an
    optional ``retry_after`` in seconds and HTTP ``status``).
    """


@hookspec(firstresult=True)
def praxcloud_replaces_login_limits(request: Request) -> bool | None:
    """Take the place of the core's baseline limit on login attempts for this tenant.

    With no plugin answering, the core counts login attempts per (account,
    client address) and per account and refuses with 429 over its limits
    (:mod:`praxcloud.core.login_limits`, settings ``praxcloud.login_*``). A
    plugin that limits attempts itself, through :func:`praxcloud_pre_authenticate`
    and :func:`praxcloud_authentication_failed`, returns ``True`` and the
    core's counters stand aside for the request's tenant; return ``None``
    otherwise. Answer ``True`` only when the plugin's own limit is in force
    for this tenant. An exception raised here leaves the baseline in force.
    """


@hookspec(firstresult=True)
def praxcloud_authenticate(request: Request, login: str, password: str) -> User | None:
    """Check a first factor and return the tenant ``User`` it belongs to.

    Return ``None`` when this backend does not know the login, so the next
    backend is asked; raise :class:`praxcloud.plugin.AuthenticationFailed`
    when it knows the login and the password is wrong. The core's
    local-password backend runs last (``trylast``).
    """


@hookspec
def praxcloud_authentication_failed(
    request: Request, login: str, reason: Literal["invalid_credentials", "refused", "mfa"]
) -> None:
    """A login attempt failed (``reason``: ``"invalid_credentials"``, ``"refused"``, ``"mfa"``)."""


@hookspec
def praxcloud_authentication_succeeded(request: Request, login: str, user: User) -> None:
    """The login attempt this request made (``login`` as given to
    :func:`praxcloud_pre_authenticate`) proved itself: the password was right
    (a second factor may still follow), or a passkey signed in.

    Called once per attempt, after the core's own limit gave the attempt
    back; a slowdown plugin resets its counters for ``login`` here.
    """


@hookspec
def praxcloud_second_factors(request: Request, user: User) -> list[str]:
    """The second factors ``user`` has enrolled.

    Return a list of method names (``["totp"]``); the core merges all
    answers. When the list is non-empty the login is not finished until
    :func:`praxcloud_verify_second_factor` accepts one of them.
    """


@hookspec(firstresult=True)
def praxcloud_verify_second_factor(
    request: Request, user: User, method: str, payload: dict[str, Any], challenge: LoginChallenge
) -> bool | None:
    """Check a second-factor answer for ``method``.

    ``payload`` is what the client sent: ``{"code": ...}`` from a code form,
    ``{"credential": ...}`` (a dict) from a WebAuthn assertion. ``challenge``
    is the login's :class:`~praxcloud.plugin.LoginChallenge`; its
    ``data`` dict is where a plugin keeps per-login state (a WebAuthn
    challenge), replaced as a whole when changed.

    Return ``True`` when this plugin handles ``method`` and the answer is
    right; return ``None`` when ``method`` is not this plugin's; raise
    :class:`praxcloud.plugin.SecondFactorFailed` when the answer is
    wrong, replayed or malformed (never return ``False``).
    """


@hookspec(firstresult=True)
def praxcloud_second_factor_prompt(
    request: Request, user: User, method: str, challenge: LoginChallenge
) -> dict[str, Any] | None:
    """What the console's second-factor page shows for ``method``.

    Return ``None`` for the core's code field, or a dict with ``template``
    (an asset spec of a Jinja2 fragment included in the page's form) and any
    values that fragment uses. The fragment posts ``code`` or ``credential``
    (JSON text) with the form. ``challenge`` is the login's
    ``LoginChallenge`` (see ``praxcloud_verify_second_factor``).
    """


@hookspec
def praxcloud_second_factor_options(request: Request, user: User) -> list[SecondFactorOption]:
    """The second-factor methods this plugin offers ``user``, for the account's MFA page.

    Return a list of dicts: ``method``, ``title``, ``enrolled`` (bool),
    ``summary`` (one line, e.g. "2 security keys"), ``url`` (the plugin's
    page to enrol or manage it) and ``routes``: every route name (console
    and API) enrolment needs, which a user whom the tenant requires to enrol
    may reach before anything else.
    """


@hookspec
def praxcloud_reset_second_factors(request: Request, user: User) -> list[str]:
    """An administrator resets ``user``'s second factors: remove every one this plugin holds.

    Return the list of method names that had something to remove. The core
    audits the reset and tells the user by mail.
    """


@hookspec
def praxcloud_login_methods(request: Request) -> list[LoginMethod]:
    """Other ways to log in offered on the console's login page (passkeys, SSO).

    Return a list of dicts with ``title`` and ``url``.
    """


@hookspec
def praxcloud_authenticated(request: Request, user: User) -> list[RequiredAction]:
    """A user has logged in with every factor.

    Return a list of required actions (``RequiredAction``): ``name``,
    ``route`` (the console route name where it is done), optionally
    ``routes`` (other route names, console or API, the user may reach
    meanwhile) and ``message`` (for the user; the API's 403
    ``required_action`` answer carries it), e.g. an expired password, a
    missing MFA enrolment, new terms to accept. Until the plugin clears an
    action (``praxcloud.plugin.clear_required_action``) the user's session
    reaches only those routes and logging out.

    Also called for a session already open, at its next request, after the
    tenant's security settings or contract changed or a plugin called
    ``security.reevaluate_sessions``: answer from the user's current state,
    without side effects meant for a login.
    """


@hookspec
def praxcloud_validate_password(request: Request, user: User, password: str) -> list[str]:
    """Return a list of messages for the ways ``password`` breaks the tenant's policy.

    ``password`` is normalised (NFKC); the core checks the lengths of
    ``praxcloud_password_rules`` itself. ``user`` may not be flushed yet (``id`` is
    ``None`` while an administrator creates it). Every plugin's messages are
    shown together, one sentence each.
    """


@hookspec(firstresult=True)
def praxcloud_password_rules(request: Request, user: User | None) -> PasswordRules | None:
    """Return the tenant's password rules for ``user``, or ``None`` for the core's.

    ``user`` is ``None`` on a form for a user who does not exist yet. The core
    checks the lengths before ``praxcloud_validate_password``, shows the hint
    under every new-password field and loads the scripts on those forms.
    """


@hookspec
def praxcloud_password_changed(request: Request, user: User) -> None:
    """``user``'s password was just set (changed, reset or created)."""


@hookspec
def praxcloud_permission_denied(
    request: Request, user: User, permission: str | None, context: object
) -> None:
    """``user`` asked for something ``permission`` guards and does not have it."""


@hookspec
def praxcloud_escalation_attempt(
    request: Request, user: User, kind: str, details: dict[str, Any]
) -> None:
    """``user`` presented something that is not theirs, whatever their permissions.

    The core recognises these attempts itself (:mod:`praxcloud.core.escalations`):
    ``kind`` is ``"foreign_tenant"`` (a live session's token of this tenant
    sent to another tenant's address: a forged slug) or ``"foreign_token"``
    (a form sent in the user's session with the CSRF token of another user's
    session: a replayed token). ``request`` belongs to ``user``'s tenant even
    when the attempt was made at another's; ``details`` says where (``method``,
    ``path``, ``tenant`` for the address the attempt went to). Each is
    audited by the core as ``escalation.attempt``; the request is refused
    whatever the plugins do.
    """


@hookspec(firstresult=True)
def praxcloud_field_codec(
    tenant: Tenant, model: str, field: str, keys: Callable[[str], bytes],
    data_keys: Callable[[str], DataKeys],
) -> FieldCodec | None:
    """Return a codec for ``field`` of ``model`` in ``tenant``, or ``None`` for plain storage.

    ``model`` is a table name: ``"users"`` (fields ``email``, ``display_name``)
    or ``"records"`` (``name``, ``email``, ``phone``, ``date_of_birth``,
    ``notes``, ``fields``). A codec sees text only: the date of birth as ISO
    8601 (``1984-03-05``), the free fields as canonical JSON. ``keys(purpose)``
    derives a 32-byte key of this tenant's for one purpose; deleting the
    tenant destroys the key it derives from. ``data_keys(purpose)`` gives the
    tenant's versioned random data keys for a purpose (made on first use,
    wrapped by the master key in the platform database; see
    :class:`praxcloud.plugin.DataKeys`): what a codec encrypts with when its
    keys must rotate. Derive ``keys(...)`` when the codec is made, not later:
    a copy of the tenant restored into a new tenant
    (:func:`praxcloud.plugin.prepare_restored_copy`) is given the keys asked
    for then. Bind associated data to ``data_keys(purpose).origin_id``, not
    ``tenant.id``: the copy's is its source's.

    A codec has ``encode(value: str) -> str`` and ``decode(stored: str) -> str``
    or, when its ``binds_row`` attribute is true, ``encode(value, row)`` and
    ``decode(stored, row)`` with the id of the row the value belongs to
    (``None`` for the audit trail's copies, written before their rows have
    ids), to bind each value to its row. For ``users.email`` (looked up by
    exact match at login and forgot-password) it also has
    ``blind_index(value: str) -> str`` of at most 64 characters: the same for
    the same value, revealing nothing else; it may be truncated so that a
    few values share each index value (the core then compares the decoded
    candidates). For ``records.name`` (searched by word) it may have
    ``search_tokens(text: str) -> list[str]``: an index value per word of
    ``text``, the same for the same word; the core keeps them beside the
    name and a search finds the records having every word of the query
    (without it an encoded name cannot be searched). A row-binding codec
    may also have ``decode_many(values, rows) -> list``: a column of a read
    page decoded in one call (``None`` stays ``None``), for a codec whose
    cost per call matters; it must refuse what ``decode`` refuses. The
    core applies codecs when rows are written and read, never calls this hook
    per row, and asks again only when the tenant's contract changes. An
    encoded value may be up to 512 characters (``records.phone``: 255). ``decode``
    must read whatever earlier codecs stored (plain text from before the
    plugin was enabled, values under a previous key). The audit trail's
    display values (``audit_events.actor`` and ``.target``) follow the
    ``users.email`` codec.

    The core moves the stored values itself when a plugin implementing this
    hook is enabled, disabled or reconfigured: the change is recorded on the
    contract line, then every row is stored again in committed batches (a
    rerun of the same command finishes an interrupted move; see
    :mod:`praxcloud.core.field_moves`). Meanwhile values are read through the
    codec of either side and exact lookups and searches look for both
    forms, so ``decode`` must read a value not in its own form as plain text.
    A codec with ``key_version(stored) -> int | None`` (None for plain text)
    lets the core find rows written in the old form by a process that had not
    yet seen the change. ``praxcloud.core.fields.rewrite_all`` stores every
    row again under the current codec, in one transaction. A hook that
    raises makes the tenant unavailable (503).
    """


@hookspec
def praxcloud_periodic_tasks() -> dict[str, PeriodicTask]:
    """Return Celery beat entries: a dict ``{name: {"task", "schedule", ...}}``.

    Each task receives no tenant; it fans out to the tenants that enabled the
    plugin (see :func:`praxcloud.core.tasks.tenants_with_plugin`).
    """


@hookspec
def praxcloud_console_panels(request: Request) -> list[ConsolePanel]:
    """Return console panels for the dashboard.

    Each panel is a dict with ``title`` and either ``template`` (a renderer
    name) or ``html`` (markup the plugin has escaped itself).
    """


@hookspec
def praxcloud_menu_links(request: Request) -> list[MenuLink]:
    """Return console menu links: dicts with ``title`` and ``route`` (or ``url``), and
    optionally ``permission``: the link is shown only to users who have it."""


@hookspec
def praxcloud_platform_menu_links(request: Request) -> list[MenuLink]:
    """Return links for the platform operators' console (``/platform/``): dicts with
    ``title`` and ``route`` (a route without ``{tenant}``) or ``url``.

    Called on every installed plugin whatever tenants enable it, on each page an
    operator opens; ``request`` is the operator's and has no tenant. A plugin
    that raises here loses its links, not the console. Guard the pages with
    ``OPERATOR_PERMISSION`` (operators never hold tenant permissions, tenant
    users never hold this one) and read tenants' data through
    ``operator_tenant_requests``. ``permission`` is not used: every operator
    sees every link.
    """


@hookspec
def praxcloud_audit_event(request: Request, event: AuditEvent) -> None:
    """An audit event was written; ``event`` is the ``AuditEvent`` row.

    For sinks such as the ledger. ``request`` is the tenant-bound request
    (a scripted one in CLI commands and tasks). A tenant whose enabled plugins
    implement this hook gets every event written in its request, record views
    too (which are otherwise written in batches): the hook sees each row, with
    its id, in the order of the trail.
    """


@hookspec
def praxcloud_cli(group: click.Group) -> None:
    """Add click commands to the ``praxcloud`` command group."""


@hookspec
def praxcloud_erase_person(request: Request, email: str | None, user_id: int | None,
                           record_ids: list[int]) -> dict[str, int] | None:
    """Erase your plugin's rows about one person (right to be forgotten); return counts.

    Called by the anonymiser plugin's erasure, in the request's transaction,
    on the plugins the tenant enables, before the person's user account and
    records are deleted: ``email`` (lower case) is the address erased or
    ``None``, ``user_id`` their account's id or ``None``, ``record_ids`` the
    records about them. Delete (or blank) every row of yours that names them
    and answer ``{"your_table": rows_erased}``; answer ``None`` when you keep
    nothing per person. Raising refuses the whole erasure (nothing is erased).
    """
