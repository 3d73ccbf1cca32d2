"""praxcloud-hello's own tests: only praxcloud.testing's fixtures, as any plugin's would be.

Run from this folder after ``pip install -e .``: ``python -m pytest``. The
fixtures come with PraxCloud (the ``praxcloud`` pytest plugin); there is no
conftest of its own.
"""

from __future__ import annotations


def test_greets_the_user_of_a_tenant_that_enables_it(make_tenant, make_user, api_client):
    make_tenant("acme", plugins={"hello": {"greeting": "Kia ora"}})
    make_user("acme", "staff@acme.test")
    client = api_client("acme", "staff@acme.test")
    assert client.get("/api/v1/acme/hello").json == {
        "greeting": "Kia ora", "user": "staff@acme.test"}


def test_another_tenant_gets_404(make_tenant, make_user, api_client):
    make_tenant("acme", plugins={"hello": {}})
    make_tenant("beta")
    make_user("beta", "staff@beta.test")
    client = api_client("beta", "staff@beta.test")
    answer = client.get("/api/v1/beta/hello", status=404)
    assert answer.json["error"]["code"] == "not_found"


def test_console_page_shows_the_configured_greeting(tenant, enable_plugin, console_client):
    assert enable_plugin("acme", "hello") == {"greeting": "Hello"}
    client = console_client("acme", "staff@acme.test")
    page = client.get("/acme/hello")
    assert page.html.find("h1", class_="hello-greeting").get_text() == (
        "Hello, staff@acme.test!")


def test_visits_are_counted_in_the_tenant_database(tenant, enable_plugin, api_client,
                                                   tenant_request):
    from praxcloud_hello.models import HelloVisit
    from sqlalchemy import select

    enable_plugin("acme", "hello")
    client = api_client("acme", "staff@acme.test")
    for _ in range(2):
        client.get("/api/v1/acme/hello")
    with tenant_request("acme") as request:
        assert request.tenant_db.scalars(select(HelloVisit.visits)).all() == [2]
