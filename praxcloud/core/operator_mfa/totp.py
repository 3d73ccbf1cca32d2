"""Operators' authenticator apps: setting one up, checking a code, removing it.

The rules are the mfa_totp plugin's (:mod:`praxcloud.core.totp`): RFC 6238,
one step of drift, each code accepted once (the step is burnt with a
conditional UPDATE, so of two requests racing with one code only one
passes, in any process), the first valid code confirms a set-up. Secrets
are sealed under the platform's own secrets key (:mod:`..platform_keys`,
which the master key only wraps) with the operator id bound as associated data.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from sqlalchemy import delete, select

from ..crypto import KeyError_
from ..models import Operator, OperatorTotp, utcnow
from ..totp import DRIFT_STEPS, is_code_shape, matching_step, new_secret, otpauth_uri, step_at

log = logging.getLogger(__name__)

# A set-up not confirmed by a code within this time is forgotten.
PENDING_LIFETIME = dt.timedelta(minutes=30)
ISSUER = "PraxCloud platform"


def current_time() -> float:
    """Seconds since the epoch: the clock codes are checked against (tests replace it)."""
    return time.time()


class CodeRefused(Exception):
    """The code is not accepted; ``message`` is safe to show."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


WRONG = CodeRefused("that code is not right", "totp_invalid")
MALFORMED = CodeRefused("enter the 6-digit code your authenticator app shows", "totp_malformed")
REPLAYED = CodeRefused("that code has already been used: wait for the next one your app shows",
                       "totp_replayed")


def _context(operator_id: int) -> str:
    # A sealed secret copied to another operator's row does not open.
    return f"operator-totp/secret/operator:{operator_id}"


def _clean(text) -> str:
    if not isinstance(text, str):
        raise MALFORMED
    # People type "123 456" as some apps show it.
    compact = "".join(text.split())
    if not is_code_shape(compact):
        raise MALFORMED
    return compact


class OperatorTotpService:
    def __init__(self, request):
        self.request = request
        self.db = request.dbsession
        self.platform_keys = request.registry.platform_keys

    def _seal(self, operator_id: int, secret: str) -> bytes:
        return self.platform_keys.seal(secret.encode("ascii"), _context(operator_id))

    def _open(self, operator_id: int, sealed: bytes) -> str:
        try:
            return self.platform_keys.unseal(sealed, _context(operator_id)).decode("ascii")
        except KeyError_:
            log.error("operator totp: the secret of operator %s does not open", operator_id)
            raise CodeRefused("codes cannot be checked right now", "totp_unavailable") from None

    def device(self, operator: Operator) -> OperatorTotp | None:
        return self.db.scalars(select(OperatorTotp)
                               .where(OperatorTotp.operator_id == operator.id)).first()

    def is_enrolled(self, operator: Operator) -> bool:
        device = self.device(operator)
        return device is not None and device.active

    def pending_secret(self, operator: Operator) -> str | None:
        """The secret being set up, if a set-up is waiting for its first code."""
        device = self.device(operator)
        if (device is None or device.pending_secret is None or device.pending_since is None
                or device.pending_since <= utcnow() - PENDING_LIFETIME):
            return None
        return self._open(operator.id, device.pending_secret)

    def uri_for(self, operator: Operator, secret: str) -> str:
        return otpauth_uri(secret, operator.email, ISSUER)

    def start_enrolment(self, operator: Operator) -> str:
        """A new secret waiting for its first code; an active one stays active until then."""
        secret = new_secret()
        device = self.db.scalars(select(OperatorTotp).where(
            OperatorTotp.operator_id == operator.id).with_for_update()).first()
        if device is None:
            device = OperatorTotp(operator_id=operator.id)
            self.db.add(device)
        device.pending_secret = self._seal(operator.id, secret)
        device.pending_since = utcnow()
        self.db.flush()
        return secret

    def confirm(self, operator: Operator, code_text) -> None:
        """Activate the waiting secret with its first valid code (which is spent)."""
        code = _clean(code_text)
        device = self.device(operator)
        secret = self.pending_secret(operator)
        if device is None or secret is None:
            raise CodeRefused("the set-up is not waiting for a code any more; start again",
                              "totp_not_pending")
        step = matching_step(secret, code, step_at(current_time()), DRIFT_STEPS)
        if step is None:
            raise WRONG
        # Conditional: of two confirmations racing, the second finds the set-up gone.
        if not device.activate_pending(self.db, step):
            raise CodeRefused("the set-up was finished elsewhere; start again",
                              "totp_not_pending")
        self.db.expire(device)

    def verify(self, operator: Operator, code_text) -> None:
        """Check a login code and spend its step; raise :class:`CodeRefused` otherwise."""
        code = _clean(code_text)
        device = self.device(operator)
        if device is None or not device.active:
            raise CodeRefused("no authenticator app is set up for this account",
                              "totp_not_enrolled")
        secret = self._open(operator.id, device.secret)
        step = matching_step(secret, code, step_at(current_time()), DRIFT_STEPS)
        if step is None:
            raise WRONG
        if device.last_used_step is not None and step <= device.last_used_step:
            raise REPLAYED
        # The row count decides: on PostgreSQL a racing request waits for this one's
        # commit and then finds the step spent; SQLite runs one writer at a time.
        if not device.spend_step(self.db, step):
            raise REPLAYED
        self.db.expire(device)

    def remove(self, operator: Operator) -> bool:
        return bool(self.db.execute(
            delete(OperatorTotp).where(OperatorTotp.operator_id == operator.id)
            .execution_options(synchronize_session="fetch")).rowcount)
