"""Required actions confine a session until a plugin clears them."""

from praxcloud.core.auth import clear_required_action
from praxcloud.core.hookspecs import hookimpl
from praxcloud.core.scripting import tenant_request
from praxcloud.core.security import tenant_sessions
from praxcloud.testing import PASSWORD, bearer


class EnrolFirst:
    """A stand-in for an MFA plugin that insists on enrolment after login."""

    @hookimpl
    def praxcloud_authenticated(self, request, user):
        return [{"name": "enrol", "route": "api.me"}, {"name": "read-terms", "route": "api.me"}]


def _clear(registry, token, name):
    with tenant_request(registry, "acme") as request:
        session = tenant_sessions(request).find_live(token, "api", lambda s: s.user)
        return clear_required_action(session, name), session.data


def test_clearing_required_actions_frees_the_session(registry, testapp, tenant):
    registry.plugin_host.register_builtin(EnrolFirst(), "test.enrol_first")
    token = testapp.post_json("/api/v1/acme/auth/login",
                              {"email": "staff@acme.test", "password": PASSWORD}).json["token"]
    # Only the actions' own routes are reachable.
    testapp.get("/api/v1/acme/me", headers=bearer(token), status=200)
    testapp.get("/api/v1/acme/records", headers=bearer(token), status=403)

    cleared, data = _clear(registry, token, "enrol")
    assert cleared and [a["name"] for a in data["required_actions"]] == ["read-terms"]
    assert _clear(registry, token, "enrol")[0] is False
    testapp.get("/api/v1/acme/records", headers=bearer(token), status=403)

    cleared, data = _clear(registry, token, "read-terms")
    assert cleared and "required_actions" not in data
    testapp.get("/api/v1/acme/records", headers=bearer(token), status=200)
