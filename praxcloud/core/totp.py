"""RFC 6238 time-based codes as authenticator apps make them: the rules, without storage.

HMAC-SHA1, 6 digits, 30-second steps: what every authenticator app assumes
when an otpauth:// URI names nothing else. The mfa_totp plugin (tenant
users) and the operators' authenticator apps (:mod:`.operator_mfa`) both
check codes with these functions; each keeps its own secrets and its own
record of spent steps. Functions here are pure: no clock, no database.
"""

from __future__ import annotations

import hmac
import io

import pyotp
import segno

DIGITS = 6
STEP_SECONDS = 30
# A code is right for the current step and one either side (a clock a little off,
# a code typed as it changed).
DRIFT_STEPS = 1


def new_secret() -> str:
    """A fresh base32 secret: 32 characters, 160 bits, as RFC 4226 recommends."""
    return pyotp.random_base32()


def step_at(seconds: float) -> int:
    return int(seconds // STEP_SECONDS)


def is_code_shape(text: str) -> bool:
    return len(text) == DIGITS and text.isascii() and text.isdigit()


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


def otpauth_uri(secret: str, account: str, issuer: str) -> str:
    """What the QR code holds: ``otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER``."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=account, issuer_name=issuer)


def qr_png(uri: str) -> bytes:
    """An otpauth:// URI as a QR code (PNG) for a phone's camera."""
    image = io.BytesIO()
    segno.make(uri, error="m").save(image, kind="png", scale=6, border=4)
    return image.getvalue()
