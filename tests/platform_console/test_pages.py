"""Every platform page keeps to the strict Content-Security-Policy: no inline script or style."""

from __future__ import annotations

import re

import webtest

from praxcloud.core import contracts

from . import sample_plugin
from .conftest import csrf_of

INLINE = re.compile(r"<script(?![^>]*\bsrc=)|\sstyle=|\son[a-z]+=", re.IGNORECASE)


def test_platform_pages_have_no_inline_script_or_style(app, operator, registry, plugins,
                                                       make_tenant):
    make_tenant("acme", "Acme Care")
    contracts.enable(registry, "acme", sample_plugin.NAME, {"api_key": "long-enough"})
    token = csrf_of(operator.get("/platform/tenants"))
    pages = [operator.get(path) for path in (
        "/platform/tenants", "/platform/tenants/acme", "/platform/tenants/acme/plugins",
        "/platform/plugins", "/platform/audit")]
    pages.append(operator.post("/platform/tenants", {"csrf_token": token, "slug": "A B"},
                               status=422))
    pages.append(operator.post("/platform/tenants/acme/plugins", {
        "csrf_token": token, "action": "configure", "plugin": sample_plugin.NAME,
        "setting.max_notes": "x"}, status=422))
    pages.append(webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost"})
                 .get("/platform/login"))
    for page in pages:
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
        assert page.headers["Cache-Control"] == "no-store"
        assert not INLINE.search(page.text), (page.request.url, INLINE.search(page.text))
