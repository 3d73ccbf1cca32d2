"""Single-use things stay single-use when the same answer arrives many times at once."""

from __future__ import annotations

from sqlalchemy import func, select

from praxcloud.core.models import AuthSession
from praxcloud.core.scripting import tenant_request
from praxcloud.testing.openapi import validating_client
from tests.concurrency import BURST, at_once

from .conftest import (
    Key,
    api_headers,
    finish_mfa,
    login_options,
    register_key,
    start_login,
    user_id,
)


def sessions_of(registry, uid: int) -> int:
    with tenant_request(registry, "acme") as request:
        return request.tenant_db.scalar(select(func.count(AuthSession.id)).where(
            AuthSession.user_id == uid))


def test_one_assertion_sent_many_times_at_once_opens_one_session(webauthn, app, testapp,
                                                                 backend):
    key, _ = register_key(testapp, api_headers(testapp))
    uid = user_id(webauthn, "staff@acme.test")
    mfa_token = start_login(testapp)
    credential = key.assert_(login_options(testapp, mfa_token))
    before = sessions_of(webauthn, uid)

    def send():
        return finish_mfa(validating_client(app), mfa_token, credential)

    answers = at_once([send] * BURST)
    statuses = sorted(answer.status_int for answer in answers)
    assert statuses == [200] + [401] * (BURST - 1), [a.body for a in answers]
    assert sessions_of(webauthn, uid) == before + 1


def test_two_registrations_begun_below_the_limit_do_not_pass_it(webauthn, app, testapp,
                                                                 monkeypatch, backend):
    from plugins.mfa_webauthn import service
    from plugins.mfa_webauthn.models import WebauthnCredential

    monkeypatch.setattr(service, "MAX_CREDENTIALS_PER_USER", 2)
    headers = api_headers(testapp)
    register_key(testapp, headers, name="One")
    # Both options are handed out at one key: each passes the check made there.
    credentials = [Key().register(testapp.post("/api/v1/acme/mfa/webauthn/register/options",
                                               headers=headers).json) for _ in range(2)]

    def register(credential):
        return lambda: validating_client(app).post_json(
            "/api/v1/acme/mfa/webauthn/register", {"name": "Another", "credential": credential},
            headers=headers, status="*")

    answers = at_once([register(credential) for credential in credentials])
    assert sorted(answer.status_int for answer in answers) == [201, 409], [
        a.body for a in answers]
    assert [a.json["error"]["code"] for a in answers if a.status_int == 409] == ["too_many_keys"]
    with tenant_request(webauthn, "acme") as request:
        assert request.tenant_db.scalar(select(func.count(WebauthnCredential.id))) == 2
