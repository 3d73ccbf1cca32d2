"""Fixtures of the password_policy tests: tenant acme ("Acme Care") with the plugin.

Written only against ``praxcloud.plugin`` and ``praxcloud.testing``, as a
team outside the core would. Every API answer is held to the served OpenAPI
document (tests/plugins/conftest.py). The users are made after the plugin
is enabled, so their first password went through the policy (and, with a
history, into it).
"""

from __future__ import annotations

import pytest

from praxcloud.testing import PASSWORD, api_login, bearer

NAME = "password_policy"
# Long, uncommon, free of context words: passes the defaults.
GOOD = "violet lanterns drift over quiet harbours"
OTHER = "seven amber kites above the salt marsh"


@pytest.fixture
def policy_tenant(make_tenant, make_user):
    """``policy_tenant(**settings)``: acme with the plugin so configured, and its three users."""
    def make(**settings):
        found = make_tenant("acme", "Acme Care", plugins={NAME: settings})
        make_user("acme", "admin@acme.test", groups=("admin",))
        make_user("acme", "staff@acme.test", groups=("staff",))
        make_user("acme", "reader@acme.test", groups=("read-only",))
        return found
    return make


def headers(testapp, email: str, password: str = PASSWORD) -> dict:
    """Authorization headers of a fresh API session of ``email``."""
    return bearer(api_login(testapp, "acme", email, password))


def change_password(testapp, auth: dict, new: str, current: str = PASSWORD,
                    status: int = 204):
    """``POST /me/password`` with ``auth``; the JSON answer, if any."""
    answer = testapp.post_json("/api/v1/acme/me/password",
                               {"current_password": current, "new_password": new},
                               headers=auth, status=status)
    return answer.json if answer.body else None


def rejection(answer) -> str:
    assert answer["error"]["code"] == "password_rejected", answer
    return answer["error"]["fields"]["new_password"]


@pytest.fixture
def configure(console_client):
    """``configure(**settings)``: the acme administrator saves them on the *Plugins* page."""
    def save(**settings):
        admin = console_client("acme", "admin@acme.test")
        form = admin.get("/acme/plugins").forms[f"plugin-form-{NAME}"]
        for key, value in settings.items():
            form[f"setting.{key}"] = value if isinstance(value, bool) else str(value)
        return form.submit(status=303)
    return save
