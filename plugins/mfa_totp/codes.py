"""RFC 6238 codes as authenticator apps make them, and what people type.

HMAC-SHA1, 6 digits, 30-second steps: what every authenticator app assumes
when an otpauth:// URI names nothing else. A code is right for the current
step and one step either side (a clock a little off, a code typed as it
changed). A code right for a step further away means the device's clock is
off, which :class:`ClockSkew` says (such a code is never accepted).
Functions here are pure: no clock, no database.
"""

from __future__ import annotations

import hmac

import pyotp

from praxcloud.core.auth import SecondFactorFailed

from . import recovery

DIGITS = 6
STEP_SECONDS = 30
DRIFT_STEPS = 1

WRONG_CODE = "that code is not right"
MALFORMED = "enter the 6-digit code from your authenticator app, or a recovery code"


class ClockSkew(SecondFactorFailed):
    """The code is right for a time far from now: the device's clock is off."""

    def __init__(self, offset_steps: int):
        minutes = max(1, round(abs(offset_steps) * STEP_SECONDS / 60))
        unit = "minute" if minutes == 1 else "minutes"
        direction = "ahead" if offset_steps > 0 else "behind"
        super().__init__(
            f"that code is for another time: the clock of your device is {direction} by about "
            f"{minutes} {unit}. Set its date and time to update automatically, then use a new "
            "code", code="totp_clock_skew")
        self.offset_steps = offset_steps


def parse_code(text) -> tuple[str, str]:
    """``("totp", "123456")`` or ``("recovery", normalised code)``; raises if it is neither."""
    if not isinstance(text, str):
        raise SecondFactorFailed(MALFORMED, code="totp_malformed")
    # People type "123 456" as some apps show it.
    compact = "".join(text.split())
    if len(compact) == DIGITS and compact.isascii() and compact.isdigit():
        return "totp", compact
    normalised = recovery.normalise(compact) if len(compact) <= 40 else None
    if normalised is not None:
        return "recovery", normalised
    raise SecondFactorFailed(MALFORMED, code="totp_malformed")


def matching_step(secret: str, code: str, around: int, reach: int, nearest: int = 0) -> int | None:
    """The step between ``nearest`` and ``reach`` steps away from ``around`` whose code is ``code``.

    Nearer steps are tried first, so a code that happens to be right for two
    steps counts for the one closest to now.
    """
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    for distance in range(nearest, reach + 1):
        for step in (around,) if distance == 0 else (around - distance, around + distance):
            if step >= 0 and hmac.compare_digest(totp.generate_otp(step), code):
                return step
    return None


def check_code(secret: str, code: str, now_step: int, skew_steps: int) -> int:
    """The step ``code`` is right for, within the drift; raises otherwise."""
    step = matching_step(secret, code, now_step, DRIFT_STEPS)
    if step is not None:
        return step
    if skew_steps > DRIFT_STEPS:
        far = matching_step(secret, code, now_step, skew_steps, nearest=DRIFT_STEPS + 1)
        if far is not None:
            raise ClockSkew(far - now_step)
    raise SecondFactorFailed(WRONG_CODE, code="totp_invalid")


def otpauth_uri(secret: str, account: str, issuer: str) -> str:
    """What the QR code holds: ``otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER``."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=account, issuer_name=issuer)
