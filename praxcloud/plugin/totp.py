"""RFC 6238 time-based one-time passwords, as the core checks them (for TOTP plugins)."""

from __future__ import annotations

from ..core.totp import (
    DIGITS,
    DRIFT_STEPS,
    STEP_SECONDS,
    is_code_shape,
    matching_step,
    new_secret,
    otpauth_uri,
    qr_png,
    step_at,
)

__all__ = ["DIGITS", "DRIFT_STEPS", "STEP_SECONDS", "is_code_shape", "matching_step",
           "new_secret", "otpauth_uri", "qr_png", "step_at"]
