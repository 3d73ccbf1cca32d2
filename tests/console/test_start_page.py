"""``/``: the way to the platform's login and to an institution's, revealing no tenant."""

from __future__ import annotations

import pytest

from praxcloud.core.provisioning import set_status


def test_root_offers_both_logins(testapp, tenant):
    page = testapp.get("/", status=200)
    assert page.html.find(id="start-form")["method"] == "get"
    assert page.html.find(id="platform-login")["href"] == "http://localhost/platform/login"
    # The console's strict policy: no inline script or style anywhere on the page.
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.html.find("script") is None and page.html.find("style") is None
    assert not page.html.select("[style]")


def test_a_code_leads_to_its_login(testapp, tenant):
    form = testapp.get("/").forms["start-form"]
    form["institution"] = "  ACME "
    response = form.submit(status=303)
    assert response.location == "http://localhost/acme/login"
    assert "Log in" in response.follow().text


@pytest.mark.parametrize("code", ["", "a", "no spaces", "../platform", "platform", "x" * 41,
                                  "acme\x00", "<b>"])
def test_what_is_not_a_code_is_a_form_error(testapp, tenant, code):
    page = testapp.get("/", {"institution": code}, status=422)
    assert page.html.find(id="error-institution") is not None
    assert "<b>" not in page.text.split("<main", 1)[1]


def test_the_answer_is_the_same_whether_or_not_the_tenant_exists(testapp, registry, tenant,
                                                                   make_tenant):
    """`/` looks nothing up: existing, unknown and suspended codes are all sent on alike."""
    make_tenant("resting", "Resting")
    set_status(registry.tenancy, "resting", "suspended")
    answers = {code: testapp.get("/", {"institution": code}, status=303)
               for code in ("acme", "nowhere", "resting")}
    assert {code: r.location for code, r in answers.items()} == {
        code: f"http://localhost/{code}/login" for code in answers}
    assert len({r.body.replace(code.encode(), b"CODE") for code, r in answers.items()}) == 1
    assert len({tuple(sorted(k for k, _ in r.headerlist if k != "Location"))
                for r in answers.values()}) == 1
    # Only the tenant's own login page tells, as before; its 404 leads back to /.
    missing = testapp.get("/nowhere/login", status=404)
    assert missing.html.find(id="start-link")["href"] == "http://localhost/"
