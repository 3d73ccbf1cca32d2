from tests.conftest import PASSWORD, api_login, bearer


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
