"""Recovery codes: ten single-use codes for when the authenticator app is lost.

Each code carries 80 random bits (16 base32 characters, shown as four
groups of four). Only an HMAC-SHA256 of it is stored, keyed with a key of the
tenant's and bound to the user, so the table alone reveals nothing and a
code cannot be moved to another user. With 80 bits a slow password hash
adds nothing: nobody can enumerate the codes, even knowing the key's output.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import delete, func, select, update

from praxcloud.plugin import User, tenant_key, utcnow

from .models import TotpRecoveryCode

RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_LENGTH = 16  # base32 characters, 5 bits each: 80 bits
ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
KEY_PURPOSE = "mfa_totp/recovery-codes"

USED_OR_WRONG = "that recovery code is not right or has already been used"


def _format(raw: str) -> str:
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def new_code() -> str:
    return _format("".join(secrets.choice(ALPHABET) for _ in range(RECOVERY_CODE_LENGTH)))


def normalise(text: str) -> str | None:
    """The code as stored (lower case, no spaces or dashes), or None if it cannot be one."""
    compact = "".join(text.split()).replace("-", "").lower()
    if len(compact) != RECOVERY_CODE_LENGTH or any(char not in ALPHABET for char in compact):
        return None
    return compact


def _hash(request, user_id: int, normalised: str) -> str:
    key = tenant_key(request, KEY_PURPOSE)
    return hmac.new(key, f"{user_id}:{normalised}".encode(), hashlib.sha256).hexdigest()


def replace_codes(request, user: User) -> list[str]:
    """A fresh set of codes for ``user`` (the old ones stop working); shown once, never again."""
    delete_codes(request, user.id)
    codes = [new_code() for _ in range(RECOVERY_CODE_COUNT)]
    request.tenant_db.add_all(
        TotpRecoveryCode(user_id=user.id, code_hash=_hash(request, user.id, normalise(code)))
        for code in codes)
    request.tenant_db.flush()
    return codes


def delete_codes(request, user_id: int) -> int:
    result = request.tenant_db.execute(
        delete(TotpRecoveryCode).where(TotpRecoveryCode.user_id == user_id)
        .execution_options(synchronize_session=False))
    return result.rowcount or 0


def remaining(request, user_id: int) -> int:
    return request.tenant_db.scalar(
        select(func.count(TotpRecoveryCode.id)).where(
            TotpRecoveryCode.user_id == user_id, TotpRecoveryCode.used_at.is_(None))) or 0


def unused_code_id(request, user: User, normalised: str) -> int | None:
    """The row of ``user``'s unused code ``normalised``, if there is one."""
    return request.tenant_db.scalar(
        select(TotpRecoveryCode.id).where(
            TotpRecoveryCode.user_id == user.id,
            TotpRecoveryCode.code_hash == _hash(request, user.id, normalised),
            TotpRecoveryCode.used_at.is_(None)))


def spend(request, row_id: int) -> bool:
    """Mark the code used; False if another request did first.

    A conditional update, so two requests sending the same code at the same
    time cannot both use it.
    """
    claimed = request.tenant_db.execute(
        update(TotpRecoveryCode)
        .where(TotpRecoveryCode.id == row_id, TotpRecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False))
    return claimed.rowcount == 1
