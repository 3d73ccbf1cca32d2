"""A login refused for a while (429 or 503 with Retry-After) shows the seconds to wait.

The refusal's flash carries the seconds as data (``data-retry-after``) and
in a ``span.countdown`` that ``countdown.js`` counts down in the browser
(``tests/e2e/test_login_countdown_browser.py``); without the script the
text says the same. A wrong password looks as it always did.
"""

from __future__ import annotations

import pytest

from praxcloud.core.auth import LoginRefused
from praxcloud.core.hookspecs import hookimpl
from praxcloud.testing import PASSWORD
from tests.console.conftest import alert_text, login, session_cookie

INVALID = "The e-mail address or password is not right."
LIMIT = 2


@pytest.fixture
def settings(settings):
    return {**settings, "praxcloud.login_limit_per_client": str(LIMIT)}


def countdown_scripts(page) -> list[str]:
    return [tag["src"] for tag in page.html.find_all("script", src=True)
            if tag["src"].startswith("/static/countdown.")]


def test_too_many_attempts_show_the_seconds_to_wait_and_load_the_countdown(testapp, tenant):
    for _ in range(LIMIT):
        login(testapp, "staff@acme.test", "wrong password", status=401)
    refused = login(testapp, "staff@acme.test", PASSWORD, status=429)
    assert session_cookie(testapp) is None

    retry_after = refused.headers["Retry-After"]
    assert retry_after.isdigit() and int(retry_after) > 0
    flash = refused.html.select_one(".flash.error[role=alert]")
    assert flash["data-retry-after"] == retry_after
    assert flash.select_one("span.countdown").get_text() == retry_after
    # The script disables this form's button while it counts.
    assert flash["data-retry-form"] == "login-form"
    assert refused.html.find("form", id="login-form") is not None
    # The words are those of every other refusal, the number in its span.
    assert alert_text(refused) == (
        f"Too many login attempts. Please try again in {retry_after} seconds.")
    # Only the screen reader's end-of-wait announcement is left to the script.
    assert not flash.has_attr("aria-live")
    assert refused.forms["login-form"]["email"].value == "staff@acme.test"

    # The script is a served core asset, in the page as a file (CSP: no inline script or style).
    (src,) = countdown_scripts(refused)
    script = testapp.get(src)
    assert script.content_type in ("application/javascript", "text/javascript")
    assert "data-retry-after" in script.text and "You can try again now." in script.text
    assert all(tag.get("src") for tag in refused.html.find_all("script"))
    assert refused.html.select("[style]") == [] and refused.html.find("style") is None
    assert "script-src 'self'" in refused.headers["Content-Security-Policy"]


def test_a_wrong_password_looks_as_before(testapp, tenant):
    page = testapp.get("/acme/login")
    assert countdown_scripts(page) == []
    wrong = login(testapp, "staff@acme.test", "wrong password", status=401)
    assert "Retry-After" not in wrong.headers
    assert alert_text(wrong) == INVALID
    assert str(wrong.html.select_one(".flash.error")) == (
        f'<div class="flash error" role="alert">{INVALID}</div>')
    assert wrong.html.select("[data-retry-after], .countdown") == []
    assert countdown_scripts(wrong) == []


class Refuses:
    """A plugin that refuses every attempt with the given LoginRefused."""

    def __init__(self, refusal: LoginRefused):
        self.refusal = refusal

    @hookimpl
    def praxcloud_pre_authenticate(self, request, login):
        return self.refusal


class InItsOwnWords(LoginRefused):
    def form_message(self) -> str:
        return "The door is shut for a while."


@pytest.mark.parametrize(("refusal", "status", "text", "seconds"), [
    (LoginRefused("logins are unavailable for a moment", 60, 503), 503,
     "Logins are unavailable for a moment. Please try again in 60 seconds.", "60"),
    (LoginRefused("slow down", 1), 429, "Slow down. Please try again in 1 second.", "1"),
    # No time to count down, or words of its own: the message as it is, no countdown.
    (LoginRefused("slow down"), 429, "Slow down.", None),
    (InItsOwnWords("shut", 30), 429, "The door is shut for a while.", None),
], ids=["unavailable", "one-second", "no-retry-after", "own-words"])
def test_a_plugins_refusal_counts_down_when_it_says_how_long(
        testapp, tenant, registry, refusal, status, text, seconds):
    registry.plugin_host.register_builtin(Refuses(refusal), "test.refuses")
    answer = login(testapp, "staff@acme.test", status=status)
    assert alert_text(answer) == text
    flash = answer.html.select_one(".flash.error[role=alert]")
    if seconds is None:
        assert not flash.has_attr("data-retry-after")
        assert countdown_scripts(answer) == []
    else:
        assert answer.headers["Retry-After"] == seconds
        assert flash["data-retry-after"] == seconds
        assert flash.select_one("span.countdown").get_text() == seconds
        assert len(countdown_scripts(answer)) == 1
