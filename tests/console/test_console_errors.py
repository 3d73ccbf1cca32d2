"""Console error pages, and the rule that no console page carries inline script or style."""

from __future__ import annotations

from praxcloud.core import records
from praxcloud.core.provisioning import set_status
from praxcloud.core.scripting import tenant_request
from tests.console.conftest import login


def test_unknown_console_page_is_an_html_404(staff):
    answer = staff.get("/acme/no/such/page", status=404)
    assert answer.content_type == "text/html"
    assert "Page not found" in answer.text
    # Logged in: the page keeps the console's header and offers the way home.
    assert answer.html.find(id="logout-form") is not None
    assert answer.html.select_one("main a.button")["href"] == "http://localhost/acme/"


def test_unknown_tenant_is_an_html_404_without_tenant_details(testapp, tenant):
    for path in ("/nosuch/", "/nosuch/records"):
        answer = testapp.get(path, status=404)
        assert answer.content_type == "text/html" and "Page not found" in answer.text
        assert answer.html.select_one("header .tenant") is None
    # "/" is the start page now (tests/console/test_start_page.py), naming no tenant either.
    assert testapp.get("/", status=200).html.select_one("header .tenant") is None


def test_wrong_method_on_a_post_only_route_is_a_404_page(staff):
    assert "Page not found" in staff.get("/acme/account/sessions/1/revoke", status=404).text


def test_api_errors_stay_json(testapp, tenant):
    answer = testapp.get("/api/v1/acme/no-such-thing", status=404)
    assert answer.content_type == "application/json"
    answer = testapp.get("/api/v1/nosuch/records", status=404)
    assert answer.content_type == "application/json"


def test_forbidden_page_is_html(testapp, tenant):
    login(testapp, "staff@acme.test")
    answer = testapp.get("/acme/users", status=403)
    assert answer.content_type == "text/html"
    assert "Not allowed" in answer.text and "You do not have permission" in answer.text


def test_csrf_failure_on_a_logged_in_form_is_a_clear_400(staff):
    answer = staff.post("/acme/records/new", {"name": "X", "csrf_token": "forged"}, status=400)
    assert answer.content_type == "text/html"
    assert "nothing was saved" in answer.text


def test_suspended_tenant_console_is_an_html_page(testapp, tenant, registry):
    login(testapp, "staff@acme.test")
    set_status(registry.tenancy, "acme", "suspended")
    answer = testapp.get("/acme/", status=403)
    assert answer.content_type == "text/html"
    assert "This institution's account is suspended." in answer.html.find("main").get_text()
    assert testapp.get("/acme/login", status=403).content_type == "text/html"


def inline_code(page) -> list[str]:
    """Everything in a page that a strict CSP would block or that we promised not to use."""
    found = []
    for tag in page.html.find_all(True):
        if tag.name == "style":
            found.append("<style> element")
        if tag.name == "script" and not tag.get("src"):
            found.append("inline <script>")
        for attribute in tag.attrs:
            if attribute == "style" or attribute.startswith("on"):
                found.append(f"{attribute}= on <{tag.name}>")
        for attribute in ("href", "action", "src"):
            if str(tag.get(attribute, "")).strip().lower().startswith("javascript:"):
                found.append(f"javascript: URL on <{tag.name}>")
    return found


def test_no_console_page_has_inline_script_or_style(testapp, tenant, registry):
    with tenant_request(registry, "acme") as request:
        record_id = records.create(request.tenant_db, {
            "name": "Ada", "fields": {"a": 1}, "notes": "n"}).id
    anonymous = [testapp.get("/acme/login"), testapp.get("/acme/forgot-password"),
                 testapp.get("/acme/reset-password/unknown", status=400),
                 testapp.get("/nosuch/", status=404)]
    login(testapp, "admin@acme.test")
    pages = anonymous + [
        testapp.get(path) for path in (
            "/acme/", "/acme/records", "/acme/records?q=a", "/acme/records/new",
            f"/acme/records/{record_id}", f"/acme/records/{record_id}/edit",
            f"/acme/records/{record_id}/delete", "/acme/account", "/acme/account/sessions",
            "/acme/logout")]
    invalid = testapp.get("/acme/records/new").forms["record-form"]
    invalid["email"] = "bad"
    pages += [invalid.submit(status=422), testapp.get("/acme/nope", status=404),
              testapp.post("/acme/records/new", {}, status=400)]
    for page in pages:
        assert inline_code(page) == [], page.request.path
        csp = page.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert page.html.select_one("link[rel=stylesheet]")["href"].startswith("/static/")
