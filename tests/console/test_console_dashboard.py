"""The console home page: figures by permission and plugin panels."""

from __future__ import annotations

from praxcloud.core import records
from praxcloud.core.hookspecs import hookimpl
from praxcloud.core.scripting import tenant_request
from tests.console.conftest import login


def figures(page) -> dict[str, str]:
    return {stat.select_one(".stat-label").get_text(strip=True):
            stat.select_one(".stat-value").get_text(strip=True)
            for stat in page.html.select(".stat")}


def test_staff_sees_record_count_but_not_admin_figures(staff, registry):
    with tenant_request(registry, "acme") as request:
        for name in ("One", "Two", "Three"):
            records.create(request.tenant_db, {"name": name})
    page = staff.get("/acme/")
    assert "Welcome" in page.text
    assert figures(page) == {"Records": "3", "Your open sessions": "1"}
    assert "New record" in page.text


def test_admin_sees_users_and_failed_logins(testapp, tenant):
    login(testapp, "admin@acme.test", "wrong password", status=401)
    login(testapp, "admin@acme.test")
    found = figures(testapp.get("/acme/"))
    assert found["Active users"] == "3"
    assert found["Failed logins, last 24 h"] == "1"
    assert found["Records"] == "0"


def test_reader_has_no_new_record_button(testapp, tenant):
    login(testapp, "reader@acme.test")
    page = testapp.get("/acme/")
    assert "New record" not in page.text
    assert "Records" in figures(page)


class PanelPlugin:
    @hookimpl
    def praxcloud_console_panels(self, request):
        return [
            {"title": "Plain panel", "html": "<p class=\"from-plugin\">Hello from HTML</p>"},
            {"title": "Template panel", "template": "tests.console:templates/panel.jinja2",
             "context": {"greeting": "<b>Hi</b>"}},
        ]


class BrokenPanelPlugin:
    @hookimpl
    def praxcloud_console_panels(self, request):
        return [{"title": "Broken", "template": "no/such/template.jinja2"}]


def test_plugin_panels_are_shown(staff, registry):
    registry.plugin_host.register_builtin(PanelPlugin(), "test.panels")
    page = staff.get("/acme/")
    titles = [h.get_text(strip=True) for h in page.html.select(".panel h2")]
    assert titles == ["Plain panel", "Template panel"]
    assert page.html.select_one(".panel p.from-plugin").get_text() == "Hello from HTML"
    # A template panel gets its context, escaped.
    assert page.html.select_one(".panel p.from-template").get_text() == "<b>Hi</b> acme"


def test_a_broken_panel_does_not_break_the_page(staff, registry):
    registry.plugin_host.register_builtin(BrokenPanelPlugin(), "test.broken_panel")
    page = staff.get("/acme/")
    assert "This panel could not be shown just now." in page.text
    assert "Records" in figures(page)


def test_menu_follows_permissions(testapp, tenant):
    login(testapp, "staff@acme.test")
    staff_menu = [a.get_text(strip=True) for a in testapp.get("/acme/").html.select("nav a")]
    assert staff_menu == ["Home", "Records"]
    testapp.reset()
    login(testapp, "admin@acme.test")
    admin_menu = [a.get_text(strip=True) for a in testapp.get("/acme/").html.select("nav a")]
    assert admin_menu[:2] == ["Home", "Records"] and "Users" in admin_menu


def test_home_needs_login(testapp, tenant):
    answer = testapp.get("/acme/", status=303)
    assert answer.location == "http://localhost/acme/login?next=%2Facme%2F"
