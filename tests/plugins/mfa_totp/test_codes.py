"""TOTP arithmetic and the recovery-code format, against an independent implementation."""

from __future__ import annotations

import math
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest

from plugins.mfa_totp import recovery
from plugins.mfa_totp.codes import (
    ClockSkew,
    check_code,
    matching_step,
    otpauth_uri,
    parse_code,
)
from praxcloud.core.auth import SecondFactorFailed
from tests.plugins.mfa_totp.conftest import oathtool

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# 2026-01-01 00:00:15 UTC: the middle of a step.
NOW = 1767225615.0
NOW_STEP = int(NOW // 30)
SKEW_STEPS = 240  # the default two hours each way


def test_codes_are_those_an_authenticator_app_shows():
    for offset in (-3, -1, 0, 1, 2, 100):
        code = oathtool(SECRET, NOW + offset * 30)
        assert matching_step(SECRET, code, NOW_STEP + offset, 0) == NOW_STEP + offset


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_one_step_of_drift_either_way_is_accepted(offset):
    code = oathtool(SECRET, NOW + offset * 30)
    assert check_code(SECRET, code, NOW_STEP, SKEW_STEPS) == NOW_STEP + offset


@pytest.mark.parametrize("offset", [-2, 2])
def test_two_steps_off_are_refused(offset):
    code = oathtool(SECRET, NOW + offset * 30)
    with pytest.raises(SecondFactorFailed) as caught:
        check_code(SECRET, code, NOW_STEP, SKEW_STEPS)
    # Two steps is a minute: told as a clock that is off, never accepted.
    assert caught.value.code == "totp_clock_skew"


@pytest.mark.parametrize(("minutes", "direction"), [(17, "ahead"), (-45, "behind")])
def test_a_far_off_clock_is_named_with_its_offset(minutes, direction):
    code = oathtool(SECRET, NOW + minutes * 60)
    with pytest.raises(ClockSkew) as caught:
        check_code(SECRET, code, NOW_STEP, SKEW_STEPS)
    assert caught.value.code == "totp_clock_skew"
    assert caught.value.offset_steps == minutes * 2
    assert f"{direction} by about {abs(minutes)} minutes" in caught.value.message


def test_beyond_the_detection_window_a_code_is_just_wrong():
    code = oathtool(SECRET, NOW + 3 * 3600)
    with pytest.raises(SecondFactorFailed) as caught:
        check_code(SECRET, code, NOW_STEP, SKEW_STEPS)
    assert caught.value.code == "totp_invalid"
    # Detection off: even a minute off is only "wrong".
    with pytest.raises(SecondFactorFailed) as caught:
        check_code(SECRET, oathtool(SECRET, NOW + 600), NOW_STEP, 0)
    assert caught.value.code == "totp_invalid"


def test_a_wrong_code_is_refused():
    right = oathtool(SECRET, NOW)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    with pytest.raises(SecondFactorFailed) as caught:
        check_code(SECRET, wrong, NOW_STEP, 1)
    assert caught.value.code == "totp_invalid"


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("123456", "totp", "123456"),
    (" 123 456 ", "totp", "123456"),
    ("abcd-efgh-ijkl-mnop", "recovery", "abcdefghijklmnop"),
    ("ABCD EFGH IJKL MNOP", "recovery", "abcdefghijklmnop"),
])
def test_codes_are_read_as_people_type_them(text, kind, value):
    assert parse_code(text) == (kind, value)


@pytest.mark.parametrize("text", ["", "12345", "1234567", "12345a", "１２３４５６",
                                  "abcd-efgh-ijkl-mno1", "x" * 5000, None, 123456, ["123456"]])
def test_malformed_codes_are_refused_with_a_hint(text):
    with pytest.raises(SecondFactorFailed) as caught:
        parse_code(text)
    assert caught.value.code == "totp_malformed"
    assert "6-digit code" in caught.value.message


def test_the_otpauth_uri_is_what_authenticator_apps_expect():
    uri = otpauth_uri(SECRET, "staff@acme.test", "Acme Care")
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert unquote(parts.path) == "/Acme Care:staff@acme.test"
    query = parse_qs(parts.query)
    assert query["secret"] == [SECRET] and query["issuer"] == ["Acme Care"]
    # SHA1, 6 digits, 30 s are the defaults apps assume when the URI leaves them out.
    assert query.get("algorithm", ["SHA1"]) == ["SHA1"]
    assert query.get("digits", ["6"]) == ["6"] and query.get("period", ["30"]) == ["30"]


def test_new_secrets_carry_160_bits():
    secret = pyotp.random_base32()
    assert len(secret) * 5 >= 160


def test_recovery_codes_are_random_and_carry_at_least_64_bits():
    codes = {recovery.new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        compact = recovery.normalise(code)
        assert compact is not None and len(compact) == recovery.RECOVERY_CODE_LENGTH
        assert code == "-".join(compact[i:i + 4] for i in range(0, 16, 4))
    bits = recovery.RECOVERY_CODE_LENGTH * math.log2(len(recovery.ALPHABET))
    assert bits >= 64


def test_tenant_names_with_colons_and_accents_survive_the_uri():
    uri = otpauth_uri(SECRET, "zoë@acme.test", "Crèche: Nord & Süd")
    parts = urlsplit(uri)
    # The label's separator is its only raw colon: the issuer's own is escaped.
    raw_issuer, raw_account = parts.path[1:].split(":")
    assert unquote(raw_issuer) == "Crèche: Nord & Süd"
    assert unquote(raw_account) == "zoë@acme.test"
    assert parse_qs(parts.query)["issuer"] == ["Crèche: Nord & Süd"]
