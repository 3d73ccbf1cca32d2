from praxcloud.testing import PASSWORD, api_login, bearer


def test_login_me_logout(testapp, tenant):
    response = testapp.post_json("/api/v1/acme/auth/login",
                                 {"email": "staff@acme.test", "password": PASSWORD})
    token = response.json["token"]
    assert len(token) >= 22 and response.json["expires_at"].endswith("Z")
    me = testapp.get("/api/v1/acme/me", headers=bearer(token)).json
    assert me["email"] == "staff@acme.test"
    assert me["groups"] == ["staff"]
    testapp.post("/api/v1/acme/auth/logout", headers=bearer(token), status=204)
    answer = testapp.get("/api/v1/acme/me", headers=bearer(token), status=401)
    assert answer.json["error"]["code"] == "unauthorized"


def test_wrong_password_and_unknown_user_answer_alike(testapp, tenant):
    wrong = testapp.post_json("/api/v1/acme/auth/login",
                              {"email": "staff@acme.test", "password": "nope-nope"}, status=401)
    unknown = testapp.post_json("/api/v1/acme/auth/login",
                                {"email": "ghost@acme.test", "password": "nope-nope"}, status=401)
    assert wrong.json == unknown.json


def test_token_is_stored_only_as_hash(testapp, tenant, registry):
    from sqlalchemy import select

    from praxcloud.core.models import AuthSession
    from praxcloud.core.scripting import tenant_request

    token = api_login(testapp, "acme", "staff@acme.test")
    with tenant_request(registry, "acme") as request:
        hashes = list(request.tenant_db.scalars(select(AuthSession.token_hash)))
    assert token not in hashes
    assert len(hashes) == 1 and len(hashes[0]) == 64


def test_mfa_step_refuses_bad_challenges_and_counts_failures(testapp, tenant, registry):
    from sqlalchemy import select

    from praxcloud.core.auth import MFA_MAX_FAILURES, start_challenge
    from praxcloud.core.models import KIND_API, KIND_CONSOLE, LoginChallenge, User
    from praxcloud.core.scripting import tenant_request
    from tests.api.conftest import audit_events, tenant_db

    with tenant_request(registry, "acme") as request:
        user = request.tenant_db.scalars(select(User).where(User.email == "staff@acme.test")).one()
        api_token = start_challenge(request, user, ["totp"], KIND_API)
        console_token = start_challenge(request, user, ["totp"], KIND_CONSOLE)
    url = "/api/v1/acme/auth/mfa"
    answer = testapp.post_json(url, {"mfa_token": console_token, "method": "totp",
                                     "code": "123456"}, status=401).json
    assert answer["error"]["code"] == "mfa_token_invalid"
    answer = testapp.post_json(url, {"mfa_token": api_token, "method": "sms", "code": "1"},
                               status=401).json
    assert answer["error"]["code"] == "mfa_method_invalid"
    # No plugin answers for totp here: each try is a failure, counted even though
    # the request itself is rolled back.
    for _ in range(MFA_MAX_FAILURES):
        answer = testapp.post_json(url, {"mfa_token": api_token, "method": "totp",
                                         "code": "123456"}, status=401).json
        assert answer["error"]["code"] == "mfa_failed"
    answer = testapp.post_json(url, {"mfa_token": api_token, "method": "totp", "code": "1"},
                               status=401).json
    assert answer["error"]["code"] == "mfa_token_invalid"
    with tenant_db(registry, "acme") as db:
        failures = db.scalars(select(LoginChallenge.failures)
                              .where(LoginChallenge.kind == KIND_API)).one()
    assert failures == MFA_MAX_FAILURES
    events = audit_events(registry, "acme", "mfa.verify")
    assert len(events) == MFA_MAX_FAILURES and {e.outcome for e in events} == {"failure"}
