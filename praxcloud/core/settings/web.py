"""Settings section: the web application."""

from __future__ import annotations

from dataclasses import dataclass

from .base import WEB, setting


@dataclass(frozen=True)
class WebSettings:
    """Web."""

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
