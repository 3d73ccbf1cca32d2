"""The API: erase a person (by record or e-mail), run a dry run, read the runs."""

from __future__ import annotations

from praxcloud.plugin import (
    RECORDS_ERASE,
    SETTINGS_MANAGE,
    api_view,
    check_json,
    iso_time,
    json_body,
    object_id,
)

from . import erasure, policy
from .config import NAME, policy_version, tenant_settings

ERASE_BY_EMAIL = {"type": "object", "required": ["email"], "additionalProperties": False,
                  "properties": {"email": {"type": "string", "minLength": 3,
                                           "maxLength": 254}}}


def receipt_json(receipt) -> dict:
    return {"receipt": receipt.id, "at": iso_time(receipt.at), "by": receipt.by,
            "by_user_id": receipt.by_user_id, "mode": receipt.mode, "counts": receipt.counts}


def run_json(run) -> dict:
    return {"id": run.id, "kind": run.kind, "status": run.status,
            "policy_version": run.policy_version, "trigger": run.trigger,
            "started_at": iso_time(run.started_at), "finished_at": iso_time(run.finished_at),
            "cutoff": iso_time(run.cutoff), "records": run.records, "counts": run.counts,
            "sample_ids": run.sample_ids}


def _erase(request, **person) -> dict:
    identity = request.praxcloud_identity
    receipt = erasure.erase(request, by="api", by_user_id=identity.user_id, **person)
    return receipt_json(receipt)


@api_view(route_name="anonymiser.api.erase_record", request_method="POST",
          permission=RECORDS_ERASE, plugin=NAME, recent_auth=True)
def erase_record(request):
    return _erase(request, record_id=object_id(request))


@api_view(route_name="anonymiser.api.erase", request_method="POST", permission=RECORDS_ERASE,
          plugin=NAME, recent_auth=True)
def erase_email(request):
    body = json_body(request)
    check_json(ERASE_BY_EMAIL, body)
    return _erase(request, email=body["email"])


@api_view(route_name="anonymiser.api.runs", request_method="GET", permission=SETTINGS_MANAGE,
          plugin=NAME)
def runs(request):
    version = policy_version(tenant_settings(request))
    return {"policy_version": version,
            "dry_run_seen": policy.dry_run_seen(request.tenant_db, version),
            "runs": [run_json(run) for run in policy.last_runs(request.tenant_db)]}


@api_view(route_name="anonymiser.api.dry_run", request_method="POST",
          permission=SETTINGS_MANAGE, plugin=NAME)
def dry_run(request):
    return run_json(policy.dry_run(request, "api"))
