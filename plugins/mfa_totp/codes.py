"""RFC 6238 codes as authenticator apps make them, and what people type.

The RFC 6238 rules themselves (HMAC-SHA1, 6 digits, 30-second steps) are
the core's (:mod:`praxcloud.plugin.totp`), shared with operators' apps. A code
is right for the current step and one step either side (a clock a little
off, a code typed as it changed). A code right for a step further away means the device's clock is
off, which :class:`ClockSkew` says (such a code is never accepted).
Functions here are pure: no clock, no database.
"""

from __future__ import annotations

from praxcloud.plugin import SecondFactorFailed
from praxcloud.plugin.totp import (  # noqa: F401 - the rules are the core's; re-exported here
    DIGITS,
    DRIFT_STEPS,
    STEP_SECONDS,
    is_code_shape,
    matching_step,
    otpauth_uri,
)

from . import recovery

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
    if is_code_shape(compact):
        return "totp", compact
    normalised = recovery.normalise(compact) if len(compact) <= 40 else None
    if normalised is not None:
        return "recovery", normalised
    raise SecondFactorFailed(MALFORMED, code="totp_malformed")


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
