"""The retention policy: dry run, each strategy, exactly once, refused without a dry run.

On SQLite and PostgreSQL (the ``backend`` fixture), through the services and the CLI.
"""

from __future__ import annotations

import json

import pytest

from plugins.anonymiser import policy
from plugins.anonymiser.config import policy_version
from praxcloud.core import contracts
from praxcloud.plugin import PluginSettingsInvalid

from .conftest import NAME, OLD, RECENT, add_records, person, raw, stored_records


@pytest.fixture
def acme(make_tenant):
    return make_tenant("acme", plugins={NAME: {"retention_days": 365}})


@pytest.fixture
def records(acme, tenant_request):
    """Five records without activity for 1000 days, two active ten days ago."""
    old = add_records(tenant_request, "acme", [person(n) for n in range(5)])
    recent = add_records(tenant_request, "acme", [person(n, RECENT) for n in range(5, 7)])
    return old, recent


def fields_of(row: dict) -> dict:
    value = row["fields"]
    return json.loads(value) if isinstance(value, str) else value


def test_a_dry_run_reports_counts_and_samples_and_changes_nothing(records, registry,
                                                                  tenant_request):
    old, recent = records
    before = stored_records(registry)
    with tenant_request("acme") as request:
        run = policy.dry_run(request, "test")
        report = (run.records, run.counts, run.sample_ids, run.status)
    assert report == (5, {"name": 5, "email": 5, "phone": 5, "date_of_birth": 5, "notes": 5,
                          "fields": 5}, old, "done")
    assert stored_records(registry) == before
    [event] = raw(registry, "acme", "SELECT details, target FROM audit_events "
                                    "WHERE event = 'anonymiser.dry_run'")
    assert event["target"] is None and "example.org" not in str(event["details"])


def test_a_real_run_is_refused_until_a_dry_run_of_the_current_policy(records, registry,
                                                                     tenant_request):
    before = stored_records(registry)
    with pytest.raises(policy.DryRunRequired), tenant_request("acme") as request:
        policy.run(request, "test")
    assert stored_records(registry) == before
    [refused] = raw(registry, "acme", "SELECT status FROM anonymiser_runs")
    assert refused["status"] == "refused"
    with tenant_request("acme") as request:
        policy.dry_run(request, "test")
    # A changed policy is another version: it needs a dry run of its own.
    contracts.configure(registry, "acme", NAME, {"retention_days": 30})
    with pytest.raises(policy.DryRunRequired), tenant_request("acme") as request:
        policy.run(request, "test")
    assert stored_records(registry) == before


def test_the_default_policy_applied_exactly_once(records, registry, tenant_request):
    old, recent = records
    before = stored_records(registry)
    with tenant_request("acme") as request:
        policy.dry_run(request, "test")
    with tenant_request("acme") as request:
        run = policy.run(request, "test", batch_size=2)
        assert (run.records, run.status) == (5, "done")
        assert run.counts["email"] == 5
    after = stored_records(registry)
    for record_id in old:
        row = after[record_id]
        assert row["name"] == "Anonymised" and row["email"] is None and row["phone"] is None
        assert str(row["date_of_birth"]) == "1980-01-01"
        assert row["notes"] == "" and fields_of(row) == {}
        assert row["anonymised_at"] is not None
    for record_id in recent:
        assert after[record_id] == before[record_id]
    # A rerun finds nothing left to do and changes nothing.
    with tenant_request("acme") as request:
        assert policy.run(request, "test").records == 0
    assert stored_records(registry) == after
    events = raw(registry, "acme", "SELECT outcome, details FROM audit_events "
                                   "WHERE event = 'anonymiser.run' ORDER BY id")
    details = [json.loads(e["details"]) if isinstance(e["details"], str) else e["details"]
               for e in events]
    assert [d["records"] for d in details] == [5, 0]
    assert all(d["policy_version"] for d in details)
    assert "example.org" not in str(details) and "Person" not in str(details)


def test_each_strategy(acme, registry, tenant_request):
    settings = contracts.configure(registry, "acme", NAME, {
        "retention_days": 365, "name_strategy": "mask", "email_strategy": "mask",
        "phone_strategy": "replace", "notes_strategy": "replace", "date_of_birth_strategy":
        "null", "replacement": "[removed]"})
    [record_id] = add_records(tenant_request, "acme", [person(7)])
    with tenant_request("acme") as request:
        policy.dry_run(request, "test")
        assert policy.run(request, "test").records == 1
    row = stored_records(registry)[record_id]
    assert row["name"] == "P***** *********"
    assert row["email"] == "p********@*******.***"
    assert row["phone"] == "[removed]" and row["notes"] == "[removed]"
    assert row["date_of_birth"] is None and fields_of(row) == {}
    assert policy_version(settings) != policy_version({**settings, "retention_days": 366})


def test_the_policy_is_checked(registry):
    host = registry.plugin_host
    defaults = host.validate_settings(NAME, {})
    assert defaults["retention_days"] == 730 and defaults["date_of_birth_strategy"] == "year"
    for wrong in ({"retention_days": 0}, {"name_strategy": "null"},
                  {"fields_strategy": "mask"}, {"replacement": ""}):
        with pytest.raises(PluginSettingsInvalid):
            host.validate_settings(NAME, wrong)


def test_the_cli_dry_run_then_run(records, registry, cli):
    old, recent = records
    before = stored_records(registry)
    refused = cli.fails("anonymise", "--tenant", "acme")
    assert "no dry run has been seen for policy version" in refused.output
    assert len(refused.output.strip().splitlines()) == 1
    dry = cli.ok("anonymise", "--tenant", "acme", "--dry-run")
    assert "Dry run: nothing was changed." in dry.output
    assert "records without activity since" in dry.output and ": 5" in dry.output
    assert "Sample record ids: " + ", ".join(map(str, old)) in dry.output
    assert stored_records(registry) == before
    done = cli.ok("anonymise", "--tenant", "acme", "--batch-size", "2")
    assert "Anonymised 5 records" in done.output
    assert sum(row["anonymised_at"] is not None for row in stored_records(registry).values()) == 5
    assert "Anonymised 0 records" in cli.ok("anonymise", "--tenant", "acme").output


def test_the_cli_refuses_a_tenant_without_the_plugin(acme, make_tenant, cli):
    make_tenant("beta")
    for args in (("anonymise", "--tenant", "beta", "--dry-run"),
                 ("erase", "--tenant", "beta", "--email", "x@example.org")):
        result = cli.fails(*args)
        assert "does not enable the anonymiser plugin" in result.output
    assert "no such tenant" in cli.fails("anonymise", "--tenant", "nope").output
    assert cli.fails("erase", "--tenant", "acme", code=2).exit_code == 2


def test_old_records_defined_by_last_activity(records):
    assert OLD < RECENT


def test_a_mask_is_the_same_set_based_and_row_by_row(acme, registry, tenant_request):
    # Set-based on PostgreSQL (regexp_replace), row by row on SQLite: the same text.
    contracts.configure(registry, "acme", NAME, {
        "name_strategy": "mask", "email_strategy": "mask", "phone_strategy": "mask",
        "notes_strategy": "mask"})
    tricky = [{**person(1), "name": "José Ñandú-Smith", "email": "zoë.o'brien@exämple.org",
               "phone": "(+41) 44.000-00_00", "notes": "Line one\n\tline² «two» – [x]\\y ~"},
              {**person(2), "name": "李小龍", "email": None, "phone": "", "notes": ""}]
    ids = add_records(tenant_request, "acme", tricky)
    with tenant_request("acme") as request:
        plan = policy.plan_for(request.tenant_db, policy.tenant_settings(request))
        assert bool(plan.row_by_row) == (request.tenant_db.get_bind().dialect.name == "sqlite")
        policy.dry_run(request, "test")
        assert policy.run(request, "test").records == 2
    stored = stored_records(registry)
    for record_id, original in zip(ids, tricky, strict=True):
        for name in ("name", "email", "phone", "notes"):
            assert stored[record_id][name] == policy.mask(original[name]), name
    assert stored[ids[0]]["name"] == "J*** *****-*****"
