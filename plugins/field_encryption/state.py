"""What the administrators see and ask for: the fields, the keys, a rotation."""

from __future__ import annotations

from praxcloud.plugin import (
    data_key_status,
    iso_time,
    key_rotation_progress,
    pending_field_move,
    queue_key_rotation,
)

from .cipher import NIST_LIMIT, index_bits
from .codecs import INDEXED, chosen_fields, settings_of
from .config import NAME, PURPOSE


def describe(request) -> dict:
    """The tenant's encryption: fields, data key versions, the blind index's size, and
    a move of the stored values under way."""
    tenant = request.tenant
    settings = settings_of(tenant)
    bits = index_bits(settings["expected_users"])
    keys = [{"version": key["version"], "state": key["state"],
             "created_at": iso_time(key["created_at"]),
             "retired_at": iso_time(key["retired_at"]) if key["retired_at"] else None,
             "encryptions": key["encryptions"],
             "share_of_limit": round(key["encryptions"] / NIST_LIMIT, 6)}
            for key in data_key_status(request.registry, tenant.slug, PURPOSE)]
    progress = key_rotation_progress(request.registry, tenant.slug)
    return {"fields": chosen_fields(tenant), "keys": keys,
            "progress": None if progress is None else {"done": progress[0],
                                                       "total": progress[1]},
            "rotate_after_encryptions": settings["rotate_after_encryptions"],
            "blind_index": {"field": INDEXED, "bits": bits,
                            "expected_users": settings["expected_users"]},
            "rotation_pending": any(key["state"] == "decrypt_only" for key in keys),
            # "enable" (encrypting), "disable" (decrypting), "configure" (moving between
            # field lists): the stored values are being moved, in batches (progress).
            "moving": pending_field_move(tenant, NAME)}


def request_rotation(request) -> str:
    """Queue the rotation job; audited. Returns the job's id."""
    job = queue_key_rotation(request)
    request.audit.record("field_encryption.rotate_requested", details={"task": job})
    return job
