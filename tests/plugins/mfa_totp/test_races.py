"""The same code, or the same change, sent twice at the same moment takes effect once."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from plugins.mfa_totp.models import TotpRecoveryCode
from praxcloud.core.scripting import tenant_request
from praxcloud.testing import api_login, bearer
from praxcloud.testing.openapi import validating_client
from tests.plugins.mfa_totp.conftest import (
    api_enrol,
    enrolled,
    password_step,
)

ROUNDS = 3


def at_once(app, requests: list[tuple[str, str, dict, dict]]) -> list:
    """Send the requests from as many threads, released together; the answers in order.

    Each answer is held to the OpenAPI document; a mismatch fails the test here, not
    only in the thread that saw it.
    """
    barrier = threading.Barrier(len(requests))
    answers: list = [None] * len(requests)
    failures: list[BaseException] = []

    def send(index: int, method: str, path: str, body: dict, headers: dict) -> None:
        client = validating_client(app)
        barrier.wait()
        try:
            answers[index] = getattr(client, method)(path, body, headers=headers, status="*")
        except BaseException as exc:  # noqa: BLE001 - raised again in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=send, args=(i, *request))
               for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if failures:
        raise failures[0]
    return answers


def live_codes(registry) -> int:
    with tenant_request(registry, "acme") as request:
        return request.tenant_db.scalar(select(func.count(TotpRecoveryCode.id)).where(
            TotpRecoveryCode.used_at.is_(None)))


def test_one_code_logs_in_once(app, testapp, totp, backend):
    secret, _ = enrolled(testapp, totp)
    for _ in range(ROUNDS):
        code = totp.code(secret)
        tokens = [password_step(testapp)["mfa_token"] for _ in range(2)]
        answers = at_once(app, [("post_json", "/api/v1/acme/auth/mfa",
                                 {"mfa_token": token, "method": "totp", "code": code}, {})
                                for token in tokens])
        statuses = sorted(answer.status_int for answer in answers)
        assert statuses == [200, 401], [a.body for a in answers]
        assert [a.json["error"]["code"] for a in answers if a.status_int == 401] == [
            "totp_replayed"]
        totp.advance(30)


def test_one_recovery_code_logs_in_once(app, testapp, totp, backend):
    _secret, codes = enrolled(testapp, totp)
    tokens = [password_step(testapp)["mfa_token"] for _ in range(2)]
    answers = at_once(app, [("post_json", "/api/v1/acme/auth/mfa",
                             {"mfa_token": token, "method": "totp", "code": codes[0]}, {})
                            for token in tokens])
    assert sorted(answer.status_int for answer in answers) == [200, 401]


def test_a_double_confirm_and_a_double_regeneration_leave_ten_codes(app, testapp, totp,
                                                                    registry, backend):
    headers = bearer(api_login(testapp, "acme", "staff@acme.test"))
    secret = api_enrol(testapp, headers)
    code = totp.code(secret)
    answers = at_once(app, [("post_json", "/api/v1/acme/mfa/totp/confirm", {"code": code},
                             headers)] * 2)
    assert sorted(answer.status_int for answer in answers) == [200, 409]
    assert live_codes(registry) == 10
    answers = at_once(app, [("post", "/api/v1/acme/mfa/totp/recovery-codes", "", headers)] * 2)
    assert [answer.status_int for answer in answers] == [200, 200]
    assert live_codes(registry) == 10


def test_different_recovery_codes_at_once_on_one_mfa_token_log_in_once(app, testapp, totp,
                                                                         backend):
    _secret, codes = enrolled(testapp, totp)
    mfa_token = password_step(testapp)["mfa_token"]
    answers = at_once(app, [("post_json", "/api/v1/acme/auth/mfa",
                             {"mfa_token": mfa_token, "method": "totp", "code": code}, {})
                            for code in codes[:9]])
    statuses = sorted(answer.status_int for answer in answers)
    assert statuses == [200] + [401] * 8, [a.body for a in answers]
    # The refused answers were rolled back: their codes are still good.
    assert live_codes(app.registry) == len(codes) - 1
