"""Fixtures and helpers for the staff console tests: logging in through the real form."""

from __future__ import annotations

import re
from email import message_from_string, policy
from pathlib import Path

import pytest

from praxcloud.core.security import CONSOLE_COOKIE
from praxcloud.testing import PASSWORD


def login(testapp, email: str, password: str = PASSWORD, slug: str = "acme",
          next_path: str | None = None, status: int | str = 303):
    """Fill and send the login form as a browser would; returns the answer to the POST."""
    url = f"/{slug}/login" + (f"?next={next_path}" if next_path else "")
    form = testapp.get(url).forms["login-form"]
    form["email"] = email
    form["password"] = password
    return form.submit(status=status)


def session_cookie(testapp) -> str | None:
    return testapp.cookies.get(CONSOLE_COOKIE)


def field_error(page, field: str) -> str:
    """The message shown under a form field, or ''."""
    found = page.html.find(id=f"error-{field}")
    return found.get_text(" ", strip=True) if found else ""


def alert_text(page) -> str:
    found = page.html.select_one(".flash.error, [role=alert]")
    return found.get_text(" ", strip=True) if found else ""


def mail_files(settings) -> list[Path]:
    folder = Path(settings["mail.top_level_directory"])
    if not folder.exists():
        return []
    return sorted((p for p in folder.rglob("*") if p.is_file()), key=lambda p: p.stat().st_mtime)


def reset_link_from_mail(path: Path) -> str:
    """The reset link in a mail written by the folder mailer (an .eml file)."""
    message = message_from_string(path.read_text(), policy=policy.default)
    body = message.get_body(preferencelist=("plain",)).get_content()
    found = re.search(r"https?://\S+/reset-password/\S+", body)
    assert found, body
    return found.group(0)


@pytest.fixture
def staff(testapp, tenant):
    """``testapp`` logged in to the console as staff@acme.test."""
    login(testapp, "staff@acme.test")
    return testapp
