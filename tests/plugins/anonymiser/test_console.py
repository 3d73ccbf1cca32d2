"""The administrators' pages: the policy, its dry-run report and last runs; erasing a person."""

from __future__ import annotations

from .conftest import NAME, RECENT, add_records, person, stored_records


def test_the_policy_page_dry_run_then_run(tenant, enable_plugin, console_client, registry,
                                          tenant_request):
    enable_plugin("acme", NAME, {"retention_days": 365})
    old = add_records(tenant_request, "acme", [person(n) for n in range(3)])
    add_records(tenant_request, "acme", [person(9, RECENT)])
    admin = console_client("acme", "admin@acme.test")
    page = admin.get("/acme/anonymiser")
    assert "No dry run of this policy yet" in page.text and "Anonymisation" in page.text
    assert page.html.find("form", id="run") is None
    refused = admin.post_form("/acme/anonymiser/run").follow()
    assert "Run a dry run of this policy" in refused.text
    assert all(row["anonymised_at"] is None for row in stored_records(registry).values())

    report = admin.post_form("/acme/anonymiser/dry-run").follow()
    assert "3 records would be anonymised now" in report.text
    assert "Sample record ids:" in report.text and all(f"<code>{i}</code>" in report.text
                                                       for i in old)
    done = admin.post_form("/acme/anonymiser/run").follow()
    assert "The policy is being applied" in done.text
    rows = stored_records(registry)
    assert [rows[i]["anonymised_at"] is not None for i in sorted(rows)] == [True] * 3 + [False]
    runs = done.html.find("section", id="runs").text
    assert "dry run" in runs and "done" in runs


def test_erasing_a_person_asks_for_confirmation_and_shows_a_receipt(
        tenant, enable_plugin, console_client, registry, tenant_request):
    enable_plugin("acme", NAME, {})
    [record_id] = add_records(tenant_request, "acme", [person(1)])
    admin = console_client("acme", "admin@acme.test")
    admin.get("/acme/anonymiser/erase")
    empty = admin.post_form("/acme/anonymiser/erase", {"record": "", "email": ""}, status=422)
    assert "Give a record id or an e-mail address" in empty.text
    confirm = admin.post_form("/acme/anonymiser/erase", {"email": "PERSON001@example.org"})
    assert "This erases 1 record, everywhere in" in confirm.text
    assert stored_records(registry)  # nothing erased yet
    receipt = admin.post_form("/acme/anonymiser/erase", {
        "record": "", "email": "PERSON001@example.org", "confirm": "yes"}).follow()
    assert "Erasure receipt" in receipt.text and "person001" not in receipt.text.lower()
    assert record_id not in stored_records(registry)
    missing = admin.post_form("/acme/anonymiser/erase", {"record": str(record_id)},
                              status=404)
    assert "No record has that id." in missing.text


def test_the_pages_need_the_permissions_and_the_plugin(tenant, enable_plugin, console_client,
                                                       make_tenant, make_user):
    enable_plugin("acme", NAME, {})
    staff = console_client("acme", "staff@acme.test")
    staff.get("/acme/anonymiser", status=403)
    staff.get("/acme/anonymiser/erase", status=403)
    make_tenant("beta")
    make_user("beta", "admin@beta.test", groups=("admin",))
    beta = console_client("beta", "admin@beta.test")
    beta.get("/beta/anonymiser", status=404)
    beta.get("/beta/anonymiser/erase", status=404)
