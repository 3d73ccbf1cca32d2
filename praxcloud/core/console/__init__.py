"""The staff web console under ``/{tenant}/``: routes here, views by flow in sibling modules."""

from __future__ import annotations

C = "/{tenant}"


def includeme(config) -> None:
    config.add_jinja2_search_path("praxcloud.core:templates", name=".jinja2")
    config.add_route("console.home", C + "/")
    config.add_route("console.login", C + "/login")
    config.add_route("console.login_mfa", C + "/login/mfa")
    config.add_route("console.logout", C + "/logout")
    config.add_route("console.forgot", C + "/forgot-password")
    config.add_route("console.reset", C + "/reset-password/{token}")
    config.add_route("console.account", C + "/account")
    config.add_route("console.sessions", C + "/account/sessions")
    config.add_route("console.session_revoke", C + "/account/sessions/{id}/revoke")
    config.add_route("console.records", C + "/records")
    config.add_route("console.record_new", C + "/records/new")
    config.add_route("console.record", C + "/records/{id}")
    config.add_route("console.record_edit", C + "/records/{id}/edit")
    config.add_route("console.record_delete", C + "/records/{id}/delete")
    config.add_route("console.users", C + "/users")
    config.add_route("console.user_new", C + "/users/new")
    config.add_route("console.user", C + "/users/{id}")
    config.add_route("console.user_sessions_revoke", C + "/users/{id}/revoke-sessions")
    config.add_route("console.groups", C + "/groups")
    config.add_route("console.group", C + "/groups/{id}")
    config.add_route("console.audit", C + "/audit")
    config.add_route("console.audit_export", C + "/audit/export.{format}")
    config.add_route("console.settings", C + "/settings")
    config.add_route("console.plugins", C + "/plugins")
    config.add_route("console.plugin", C + "/plugins/{name}")
    config.include(".common")
    config.scan(".")
