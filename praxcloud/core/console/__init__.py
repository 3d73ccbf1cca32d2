"""The staff web console under ``/{tenant}/``: routes here, views by flow in sibling modules."""

from __future__ import annotations

C = "/{tenant}"

CONSOLE_ROUTES = (
    ("console.home", "/"),
    ("console.login", "/login"),
    ("console.login_mfa", "/login/mfa"),
    ("console.logout", "/logout"),
    ("console.forgot", "/forgot-password"),
    ("console.reset", "/reset-password/{token}"),
    ("console.invitation", "/welcome/{token}"),
    ("console.account", "/account"),
    ("console.account_mfa", "/account/mfa"),
    ("console.reauth", "/account/confirm"),
    ("console.sessions", "/account/sessions"),
    ("console.session_revoke", "/account/sessions/{id}/revoke"),
    ("console.records", "/records"),
    ("console.record_new", "/records/new"),
    ("console.record", "/records/{id}"),
    ("console.record_edit", "/records/{id}/edit"),
    ("console.record_delete", "/records/{id}/delete"),
    ("console.users", "/users"),
    ("console.user_new", "/users/new"),
    ("console.user", "/users/{id}"),
    ("console.user_sessions_revoke", "/users/{id}/revoke-sessions"),
    ("console.user_mfa_reset", "/users/{id}/reset-second-factors"),
    ("console.user_invitation", "/users/{id}/invitation"),
    ("console.groups", "/groups"),
    ("console.group", "/groups/{id}"),
    ("console.audit", "/audit"),
    ("console.audit_export", "/audit/export.{format}"),
    ("console.audit_subject", "/audit/subject"),
    ("console.audit_subject_export", "/audit/subject/export.{format}"),
    ("console.settings", "/settings"),
    ("console.plugins", "/plugins"),
    ("console.plugin", "/plugins/{name}"),
)


def includeme(config) -> None:
    config.add_jinja2_search_path("praxcloud.core:templates", name=".jinja2")
    for name, path in CONSOLE_ROUTES:
        # tenant_slug: "/api/..." or "/static/..." never reach a console view.
        config.add_route(name, C + path, tenant_slug=True)
    config.include(".common")
    config.include(".start_views")
    config.scan(".")
