"""Second factors of platform operators, kept by the core in the platform database.

Operators can suspend and delete tenants and switch off a tenant's MFA
plugins, so a password alone is not enough. The tenant MFA plugins store
per tenant; operators are platform-wide, so the core has its own
authenticator apps (:mod:`.totp`) and security keys (:mod:`.webauthn`),
following the plugins' rules. Login attempts, password and second factor
alike, are limited across processes (:mod:`.limits`).

``praxcloud.operator_mfa_required`` (true in production.ini) confines an
operator without a factor to the enrolment page until they set one up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select, update

from ..models import Operator, OperatorPendingLogin, OperatorTotp, OperatorWebauthnKey, utcnow
from ..settings import settings_of
from ..tokens import hash_token, new_token

PENDING_LIFETIME = dt.timedelta(minutes=5)
# Spent and expired pending logins are deleted once they are this old.
PENDING_RETENTION = dt.timedelta(hours=1)
METHOD_TOTP = "totp"
METHOD_WEBAUTHN = "webauthn"


@dataclass(frozen=True)
class Factors:
    totp: bool
    webauthn: bool

    @property
    def any(self) -> bool:
        return self.totp or self.webauthn

    @property
    def count(self) -> int:
        return int(self.totp) + int(self.webauthn)


def factors_of(db, operator_id: int) -> Factors:
    totp = db.scalar(select(OperatorTotp.id).where(
        OperatorTotp.operator_id == operator_id, OperatorTotp.secret.is_not(None),
        OperatorTotp.confirmed_at.is_not(None))) is not None
    webauthn = db.scalar(select(OperatorWebauthnKey.id).where(
        OperatorWebauthnKey.operator_id == operator_id).limit(1)) is not None
    return Factors(totp, webauthn)


def is_required(settings) -> bool:
    return settings_of(settings).operator_mfa_required


# Pending logins: a right password waiting for its second factor ----------------

def start_pending_login(db, operator: Operator, next_url: str | None,
                        ip: str | None) -> str:
    """Keep the first step's success; return the token for the second-step cookie."""
    token = new_token()
    now = utcnow()
    db.execute(delete(OperatorPendingLogin).where(
        OperatorPendingLogin.expires_at < now - PENDING_RETENTION))
    db.add(OperatorPendingLogin(token_hash=hash_token(token), operator_id=operator.id,
                                next_url=next_url, ip=(ip or "")[:64] or None,
                                created_at=now, expires_at=now + PENDING_LIFETIME))
    db.flush()
    return token


def find_pending_login(db, token: str | None) -> OperatorPendingLogin | None:
    if not token or not isinstance(token, str) or len(token) > 100:
        return None
    return db.scalars(select(OperatorPendingLogin).where(
        OperatorPendingLogin.token_hash == hash_token(token),
        OperatorPendingLogin.used_at.is_(None),
        OperatorPendingLogin.expires_at > utcnow())).first()


def spend_pending_login(db, pending: OperatorPendingLogin) -> bool:
    """Mark it used; False when another request did first (the row count decides)."""
    spent = db.execute(
        update(OperatorPendingLogin)
        .where(OperatorPendingLogin.id == pending.id, OperatorPendingLogin.used_at.is_(None),
               OperatorPendingLogin.expires_at > utcnow())
        .values(used_at=utcnow()).execution_options(synchronize_session=False))
    return spent.rowcount == 1
