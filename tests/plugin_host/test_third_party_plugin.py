"""A third-party plugin, pip-installed, found through its entry point, working for one tenant."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from praxcloud.core import contracts
from praxcloud.core.plugins import PluginError
from praxcloud.core.scripting import tenant_request
from praxcloud.testing import api_login, bearer
from tests.plugin_host.install_hello import SOURCE, ensure_hello_installed


@pytest.fixture(scope="module")
def hello_dist():
    # Module scope: installed before the app fixture discovers entry points.
    return ensure_hello_installed()


def menu_titles(registry, slug: str) -> list[str]:
    with tenant_request(registry, slug) as request:
        answers = request.tenant_hooks.praxcloud_menu_links(request=request)
    return [link["title"] for answer in answers for link in answer]


def test_installed_plugin_is_discovered_through_its_entry_point(hello_dist, registry):
    host = registry.plugin_host
    info = host.infos["hello"]
    assert info.version == hello_dist.version == "1.3.0"
    assert info.distribution == hello_dist.metadata["Name"]
    assert info.hooks == ["praxcloud_audit_event", "praxcloud_includeme",
                          "praxcloud_menu_links", "praxcloud_openapi", "praxcloud_plugin_info"]
    # Its JSON endpoint is in the served API document.
    assert "/api/v1/{tenant}/hello" in registry.openapi_document["paths"]
    module = host.pm.get_plugin("hello")
    assert module is sys.modules["praxcloud_hello"]
    # Imported from the installed distribution, not from the test tree.
    module_file = Path(module.__file__).resolve()
    assert not module_file.is_relative_to(SOURCE)
    assert module_file.is_relative_to(Path(hello_dist.locate_file("")).resolve())


def test_installed_plugin_works_for_the_tenant_that_enables_it_only(
        hello_dist, registry, testapp, tenant, beta):
    import praxcloud_hello

    praxcloud_hello.AUDIT_EVENTS_SEEN.clear()
    assert contracts.enable(registry, "acme", "hello", {}) == {"greeting": "Hello"}
    acme = bearer(api_login(testapp, "acme", "staff@acme.test"))
    assert testapp.get("/api/v1/acme/hello", headers=acme).json == {
        "greeting": "Hello", "user": "staff@acme.test"}

    contracts.configure(registry, "acme", "hello", {"greeting": "Kia ora"})
    assert testapp.get("/api/v1/acme/hello", headers=acme).json["greeting"] == "Kia ora"
    with pytest.raises(PluginError) as bad:
        contracts.configure(registry, "acme", "hello", {"greeting": "", "colour": "red"})
    assert sorted(bad.value.fields) == ["colour", "greeting"]

    beta_token = bearer(api_login(testapp, "beta", "staff@beta.test"))
    missing = testapp.get("/api/v1/beta/hello", headers=beta_token, status=404)
    assert missing.json["error"]["code"] == "not_found"
    testapp.get("/api/v1/acme/hello", status=401)

    assert "Hello" in menu_titles(registry, "acme")
    assert "Hello" not in menu_titles(registry, "beta")

    seen = praxcloud_hello.AUDIT_EVENTS_SEEN
    assert seen["acme"]["plugin.enable"] == 1
    assert seen["acme"]["plugin.configure"] == 1
    assert seen["acme"]["login"] == 1
    assert "beta" not in seen


def test_plugin_tables_exist_only_where_the_plugin_is_enabled(
        hello_dist, registry, testapp, tenant, beta):
    from praxcloud_hello.models import HelloVisit
    from sqlalchemy import inspect, select

    contracts.enable(registry, "acme", "hello", {"greeting": "Moin"})
    acme = bearer(api_login(testapp, "acme", "staff@acme.test"))
    for _ in range(3):
        testapp.get("/api/v1/acme/hello", headers=acme)
    with tenant_request(registry, "acme") as request:
        assert request.tenant_db.scalars(select(HelloVisit.visits)).all() == [3]
    tenancy = registry.tenancy
    tables = {slug: inspect(tenancy.engine_for(t)).get_table_names()
              for slug, t in (("acme", tenant), ("beta", beta))}
    assert "hello_visits" in tables["acme"]
    assert "hello_visits" not in tables["beta"]


def test_plugin_console_page_uses_its_template_and_hashed_asset(
        hello_dist, registry, testapp, tenant, beta):
    from tests.console.admin_support import console_login

    contracts.enable(registry, "acme", "hello", {"greeting": "Bonjour"})
    testapp.get("/acme/hello", status=303)  # not logged in: to the login page
    console_login(testapp, registry, "staff@acme.test", "acme")
    page = testapp.get("/acme/hello")
    assert page.html.find("h1", class_="hello-greeting").get_text() == (
        "Bonjour, staff@acme.test!")
    # The menu carries the plugin's link for this tenant.
    assert page.html.find("a", href="http://localhost/acme/hello").get_text() == "Hello"
    stylesheets = [link["href"] for link in page.html.find_all("link", rel="stylesheet")]
    (css,) = [href for href in stylesheets if "/static/hello-hello." in href]
    served = testapp.get(css)
    assert served.content_type == "text/css" and ".hello-greeting{" in served.text
    assert "immutable" in served.headers["Cache-Control"]

    console_login(testapp, registry, "staff@beta.test", "beta")
    testapp.get("/beta/hello", status=404)
    home = testapp.get("/beta/", status=200)
    assert "/beta/hello" not in home.text


def test_db_upgrade_after_disabling_a_plugin_with_tables(hello_dist, registry, make_tenant):
    """Disabling keeps the plugin's tables; later upgrades must still find its revisions."""
    from praxcloud.core import contracts
    from praxcloud.core.contracts import plugin_migrations
    from praxcloud.core.migrations import upgrade_tenant
    from praxcloud.core.provisioning import all_tenants

    make_tenant("acme")
    contracts.enable(registry, "acme", "hello")
    contracts.disable(registry, "acme", "hello")
    [tenant] = [t for t in all_tenants(registry.tenancy) if t.slug == "acme"]
    upgrade_tenant(registry.tenancy.engine_for(tenant), plugin_migrations(registry.plugin_host),
                   tenant.enabled_plugins)
    # Enabling it again (and so upgrading its branch) works too.
    contracts.enable(registry, "acme", "hello")


def test_the_plugins_own_tests_pass_against_praxcloud_testing(hello_dist, tmp_path):
    """Its tests/ folder, run as its author runs it: a pytest of its own, in its own folder.

    Its pyproject.toml makes that folder pytest's root, so this repository's
    conftest files are not loaded: the fixtures come from praxcloud.testing
    only, through the pytest11 entry point, as for any outside distribution.
    """
    import os
    import subprocess

    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("PYTEST_", "PYTHONPATH"))}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         str(SOURCE / "tests")],
        # Run from elsewhere, so that the installed praxcloud_hello is imported, not the source.
        cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and " skipped" not in done.stdout, done.stdout[-2000:]
