"""Authenticator apps of one tenant's users: setting one up, and checking login codes.

Secrets are sealed at rest (AES-GCM under the tenant's "mfa_totp" key, the
user id bound). The key follows the data (``data_origin_keys``): in a copy
restored from the tenant's backup it is the source's, so its staff log in
there with the same app; a secret that does not open refuses the code.

A code is checked against :func:`current_time` (the one clock; tests
replace it) with one step of drift (see :mod:`.codes`). Each accepted
code burns its step inside :meth:`TotpService.verify`, so no caller can
forget to: only later steps are accepted afterwards, and a replay
raises. A code right for a future step far from now (a phone whose clock is
fast) is refused with a message saying by how much, and that step is
blocked, so the answer that revealed it can never be used when its time
comes.

Every problem raises :class:`praxcloud.plugin.SecondFactorFailed` with a
message for the user and a machine code; nothing answers ``False``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

import pyotp
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from praxcloud.plugin import (
    ApiError,
    SealedValueError,
    SecondFactorFailed,
    User,
    notify_user,
    seal,
    second_factor_required,
    second_factors,
    tenant_key,
    unseal,
    utcnow,
)

from . import recovery
from .attempts import Attempts, unavailable
from .codes import STEP_SECONDS, ClockSkew, check_code, otpauth_uri, parse_code
from .config import METHOD, NAME, tenant_settings
from .models import TotpDevice

log = logging.getLogger(__name__)

# A set-up not confirmed by a code within this time is forgotten.
PENDING_LIFETIME = dt.timedelta(minutes=30)
KEY_PURPOSE = NAME

REPLAYED = "that code has already been used: wait for the next one your app shows"


def current_time() -> float:
    """Seconds since the epoch: the clock codes are checked against (tests replace it)."""
    return time.time()


def current_step() -> int:
    return int(current_time() // STEP_SECONDS)


class NotEnrolled(Exception):
    """The user has no active authenticator app (or no set-up waiting for its code)."""


class TotpService:
    """The tenant's authenticator apps, for the tenant of ``request``."""

    def __init__(self, request):
        self.request = request
        self.db = request.tenant_db

    # Secrets at rest ------------------------------------------------------
    def _key(self) -> bytes:
        # In a copy restored from another tenant's backup, the source's key
        # (``data_origin_keys`` in the plugin info): the copied secrets open there.
        return tenant_key(self.request, KEY_PURPOSE)

    @staticmethod
    def _context(user_id: int) -> bytes:
        # Bound as associated data: a sealed secret copied to another user's row does not open.
        return f"mfa_totp/secret/user:{user_id}".encode()

    def _seal(self, user_id: int, secret: str) -> bytes:
        return seal(self._key(), secret.encode("ascii"), self._context(user_id))

    def _open(self, user_id: int, sealed: bytes) -> str:
        try:
            return unseal(self._key(), sealed, self._context(user_id)).decode("ascii")
        except SealedValueError:
            # Fail closed, and say why in the log (never the value itself): a key
            # that does not open, or a secret sealed under another tenant's key.
            log.error("mfa_totp: tenant %s: the secret of user %s does not open; "
                      "its codes are refused", self.request.tenant.slug, user_id)
            raise unavailable() from None

    # Reading ---------------------------------------------------------------
    def device(self, user: User) -> TotpDevice | None:
        return self.db.scalars(select(TotpDevice).where(TotpDevice.user_id == user.id)).first()

    def is_enrolled(self, user: User) -> bool:
        return self.db.scalar(select(TotpDevice.id).where(
            TotpDevice.user_id == user.id, TotpDevice.secret.is_not(None),
            TotpDevice.confirmed_at.is_not(None))) is not None

    def _locked_device(self, user: User) -> TotpDevice | None:
        """The device row, read afresh and locked until the transaction ends.

        Two changes of one user's app (a double-clicked confirm, two
        regenerations) then happen one after the other on PostgreSQL, the second
        seeing the first. SQLite ignores the lock; it runs one writer at a time,
        and the conditional update in :meth:`confirm` covers the rest.
        """
        return self.db.scalars(select(TotpDevice).where(TotpDevice.user_id == user.id)
                               .with_for_update().execution_options(populate_existing=True)
                               ).first()

    def _pending_device(self, user: User, lock: bool = False) -> TotpDevice | None:
        device = self._locked_device(user) if lock else self.device(user)
        if (device is None or device.pending_secret is None or device.pending_since is None
                or device.pending_since <= utcnow() - PENDING_LIFETIME):
            return None
        return device

    def pending_secret(self, user: User) -> str | None:
        """The secret being set up, if a set-up is waiting for its first code."""
        device = self._pending_device(user)
        return None if device is None else self._open(user.id, device.pending_secret)

    def uri_for(self, user: User, secret: str) -> str:
        return otpauth_uri(secret, user.email, self.request.tenant.name)

    def status(self, user: User) -> dict:
        device = self.device(user)
        active = device is not None and device.active
        return {
            "enrolled": active,
            "confirmed_at": device.confirmed_at if active else None,
            "pending": self._pending_device(user) is not None,
            "recovery_codes_left": recovery.remaining(self.request, user.id) if active else 0,
        }

    # Enrolment --------------------------------------------------------------
    def start_enrolment(self, user: User) -> str:
        """A new secret waiting for its first code; an active one stays active until then."""
        secret = pyotp.random_base32()  # 32 characters: 160 bits, as RFC 4226 recommends
        device = self._locked_device(user)
        if device is None:
            device = TotpDevice(user_id=user.id)
            self.db.add(device)
        device.pending_secret = self._seal(user.id, secret)
        device.pending_since = utcnow()
        try:
            self.db.flush()
        except IntegrityError:
            # Another request made the user's first row at the same moment.
            raise ApiError("conflict", "another set-up was started at the same time; "
                           "please start again", 409) from None
        self.request.audit.record("mfa_totp.enrol", target=user.email,
                                  details={"replacing": device.active})
        return secret

    def confirm(self, user: User, code_text) -> list[str]:
        """Activate the waiting secret with its first valid code; return new recovery codes."""
        device = self._pending_device(user, lock=True)
        if device is None:
            raise NotEnrolled()
        try:
            kind, code = parse_code(code_text)
            if kind != "totp":
                raise SecondFactorFailed("enter the 6-digit code your authenticator app shows",
                                         code="totp_malformed")
            secret = self._open(user.id, device.pending_secret)
            step = check_code(secret, code, current_step(), self._skew_steps())
        except SecondFactorFailed as exc:
            self.request.audit.record("mfa_totp.confirm", outcome="failure", target=user.email,
                                      details={"reason": exc.code}, durable=True)
            raise
        # A conditional update as well as the lock: on SQLite (no row locks) the second of
        # two confirmations racing finds the set-up gone instead of doing it again.
        # The confirming code is spent like any other (last_used_step).
        if not device.activate_pending(self.db, step):
            raise NotEnrolled()
        self.db.expire(device)
        codes = recovery.replace_codes(self.request, user)
        self.request.audit.record("mfa_totp.confirm", target=user.email)
        notify_user(self.request, user, "an authenticator app was set up",
                    "An authenticator app was set up for two-step sign-in to your account, with "
                    "a new set of recovery codes (any earlier ones no longer work).")
        return codes

    def regenerate_recovery_codes(self, user: User) -> list[str]:
        device = self._locked_device(user)
        if device is None or not device.active:
            raise NotEnrolled()
        codes = recovery.replace_codes(self.request, user)
        self.request.audit.record("mfa_totp.recovery_regenerate", target=user.email)
        notify_user(self.request, user, "new recovery codes",
                    "A new set of recovery codes was made for your account; the earlier ones "
                    "no longer work.")
        return codes

    def removal_allowed(self, user: User) -> bool:
        """False when the tenant requires a second factor of ``user`` and this is the only one."""
        if not second_factor_required(self.request, user):
            return True
        return bool(set(second_factors(self.request, user)) - {METHOD})

    def disable(self, user: User) -> None:
        """The user turns the authenticator app off (the views check the tenant's policy)."""
        if not self.remove(user):
            raise NotEnrolled()
        self.request.audit.record("mfa_totp.disable", target=user.email)
        notify_user(self.request, user, "authenticator app removed",
                    "The authenticator app was removed from your account, with its recovery "
                    "codes. Logging in no longer asks for its codes.")

    def remove(self, user: User) -> bool:
        """Delete the app and the recovery codes of ``user``; True if there was anything."""
        removed = self.db.execute(delete(TotpDevice).where(TotpDevice.user_id == user.id)
                                  .execution_options(synchronize_session="fetch")).rowcount
        removed += recovery.delete_codes(self.request, user.id)
        return bool(removed)

    # Login ------------------------------------------------------------------
    def verify(self, user: User, code_text) -> str:
        """Check a login code (authenticator or recovery) and spend it; raise if not accepted.

        Returns which kind was used: ``"totp"`` or ``"recovery"``.
        """
        kind, code = parse_code(code_text)
        device = self.device(user)
        if device is None or not device.active:
            raise SecondFactorFailed("no authenticator app is set up for this account",
                                     code="totp_not_enrolled")
        attempts = self._attempts(user)
        attempts.check_budget()
        try:
            if kind == "recovery":
                self._use_recovery_code(user, code, attempts)
            else:
                self._verify_totp(user, device, code, attempts)
        except SecondFactorFailed as exc:
            if exc.code != "totp_unavailable":
                attempts.count_failure()
            raise
        return kind

    def _verify_totp(self, user: User, device: TotpDevice, code: str,
                     attempts: Attempts) -> None:
        secret = self._open(user.id, device.secret)
        now = current_step()
        try:
            step = check_code(secret, code, now, self._skew_steps())
        except ClockSkew as exc:
            if exc.offset_steps > 0:
                attempts.block_step(now + exc.offset_steps, now)
            raise
        replayed = SecondFactorFailed(REPLAYED, code="totp_replayed")
        if (device.last_used_step is not None and step <= device.last_used_step) \
                or attempts.is_blocked(step):
            raise replayed
        attempts.claim_once(f"step:{step}", replayed)
        # Burn the step with a conditional update too: the row is the lasting record,
        # and it holds even where the shared state is one process's memory.
        if not device.spend_step(self.db, step):
            raise replayed
        # The row says so now; tell the loaded object without another UPDATE.
        set_committed_value(device, "last_used_step", step)

    def _use_recovery_code(self, user: User, normalised: str, attempts: Attempts) -> None:
        refused = SecondFactorFailed(recovery.USED_OR_WRONG, code="recovery_code_invalid")
        row_id = recovery.unused_code_id(self.request, user, normalised)
        if row_id is None:
            raise refused
        attempts.claim_once(f"recovery:{row_id}", refused)
        if not recovery.spend(self.request, row_id):
            raise refused
        left = recovery.remaining(self.request, user.id)
        self.request.audit.record("mfa_totp.recovery_used", target=user.email,
                                  actor_id=user.id, actor=user.email, details={"left": left})
        notify_user(self.request, user, "a recovery code was used",
                    "One of your recovery codes was just used to log in instead of your "
                    f"authenticator app. {left} unused recovery codes are left; you can make a "
                    "new set on your account's two-step sign-in page.")

    # Settings and the shared state -----------------------------------------
    def _settings(self) -> dict:
        return tenant_settings(self.request)

    def _skew_steps(self) -> int:
        return int(self._settings()["clock_skew_detection_minutes"]) * 60 // STEP_SECONDS

    def _attempts(self, user: User) -> Attempts:
        return Attempts(self.request, user, int(self._settings()["max_failures_per_hour"]))
