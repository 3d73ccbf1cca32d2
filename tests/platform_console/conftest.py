"""Fixtures of the platform console tests: operators, a logged-in operator client, test plugins."""

from __future__ import annotations

import importlib.metadata
import re

import pytest

from praxcloud.core.models import Operator

from . import sample_plugin

OPERATOR_EMAIL = "ops@praxcloud.test"
OPERATOR_PASSWORD = "operator pass phrase 42"
BROKEN_PLUGIN = "pxtest_broken"


@pytest.fixture
def make_operator(registry):
    """Create an operator directly in the platform database (as the CLI will)."""

    def make(email=OPERATOR_EMAIL, password=OPERATOR_PASSWORD, active=True) -> int:
        with registry.tenancy.platform_session() as platform_db:
            operator = Operator(email=email, is_active=active,
                                password_hash=registry.password_context.hash(password))
            platform_db.add(operator)
            platform_db.flush()
            return operator.id

    return make


def csrf_of(response) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert match, "the page has no CSRF token"
    return match.group(1)


def operator_login(testapp, email=OPERATOR_EMAIL, password=OPERATOR_PASSWORD, status=303):
    page = testapp.get("/platform/login")
    return testapp.post("/platform/login", {
        "csrf_token": csrf_of(page), "email": email, "password": password,
    }, status=status)


@pytest.fixture
def operator(testapp, make_operator):
    """``testapp`` logged in as an operator (the cookie lives in its cookie jar)."""
    make_operator()
    operator_login(testapp)
    return testapp


def operator_post(testapp, url: str, fields: dict, status=303, page: str | None = None):
    """POST ``fields`` with the CSRF token shown on ``page`` (default: the tenants page)."""
    token = csrf_of(testapp.get(page or "/platform/tenants"))
    return testapp.post(url, {"csrf_token": token, **fields}, status=status)


@pytest.fixture
def plugins(registry):
    """The sample plugin and a broken one, loaded through entry points like installed ones."""
    group = "praxcloud.plugins"
    registry.plugin_host.load_entry_points([
        importlib.metadata.EntryPoint(sample_plugin.NAME, sample_plugin.__name__, group),
        importlib.metadata.EntryPoint(BROKEN_PLUGIN, "tests.platform_console.no_such_module",
                                      group),
    ])
    return registry.plugin_host
