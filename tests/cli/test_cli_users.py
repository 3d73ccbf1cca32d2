"""``praxcloud user create`` and ``user reset-password``, checked through the API."""

from __future__ import annotations

import email
from pathlib import Path

import pytest

from praxcloud.testing import PASSWORD, api_login, bearer

NEW_PASSWORD = "a different long passphrase"


@pytest.fixture
def acme(upgraded):
    upgraded.ok("tenant", "create", "acme", "--name", "Acme Care")
    return upgraded


def create(praxcloud, *args, password=PASSWORD, code=0):
    result = praxcloud(
        "user", "create", *args, env={"PRAXCLOUD_PASSWORD": password} if password else None
    )
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result


def test_created_user_logs_in_through_the_api(acme, webapp):
    result = create(
        acme,
        "acme",
        "Staff@Acme.test",
        "--group",
        "staff",
        "--group",
        "read-only",
        "--name",
        "Sam Staff",
    )
    assert result.stdout == (
        "Created user staff@acme.test in tenant 'acme' (groups: staff, read-only).\n"
    )
    app = webapp()
    token = api_login(app, "acme", "staff@acme.test")
    me = app.get("/api/v1/acme/me", headers=bearer(token)).json
    assert me["email"] == "staff@acme.test"
    assert me["display_name"] == "Sam Staff"
    assert sorted(me["groups"]) == ["read-only", "staff"]


def test_password_is_prompted_twice_without_echo(acme, webapp):
    result = acme(
        "user",
        "create",
        "acme",
        "admin@acme.test",
        "--group",
        "admin",
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Password: \nRepeat for confirmation: \n" in result.output
    assert PASSWORD not in result.output
    assert api_login(webapp(), "acme", "admin@acme.test")


def test_mismatched_prompts_create_nobody(acme):
    result = acme(
        "user",
        "create",
        "acme",
        "admin@acme.test",
        "--group",
        "admin",
        input=f"{PASSWORD}\nsomething else\n",
    )
    assert result.exit_code == 1
    assert "The two entered values do not match" in result.output
    assert "Aborted" in result.output
    create(acme, "acme", "admin@acme.test", "--group", "admin")


def test_password_policy_rejection_is_shown_with_its_field(acme):
    result = create(acme, "acme", "a@acme.test", "--group", "admin", password="short", code=1)
    assert result.stderr == (
        "Error: the password does not meet the policy\n  password: use at least 8 characters.\n"
    )
    # Nothing half-written: the address is still free.
    create(acme, "acme", "a@acme.test", "--group", "admin")


def test_duplicate_email_is_refused_whatever_its_case(acme):
    create(acme, "acme", "a@acme.test", "--group", "admin")
    result = create(acme, "acme", " A@ACME.test ", "--group", "staff", code=1)
    assert result.stderr == (
        "Error: a user with this e-mail already exists\n  email: already taken\n"
    )


def test_unknown_group_is_refused_before_asking_for_a_password(acme):
    result = acme("user", "create", "acme", "a@acme.test", "--group", "admin", "--group", "nope")
    assert result.exit_code == 1
    assert "Password" not in result.output
    assert result.stderr == (
        "Error: no such group in tenant 'acme': nope\n"
        "  groups: choose from admin, read-only, staff\n"
    )
    create(acme, "acme", "a@acme.test", "--group", "admin")


def test_group_is_required_and_email_must_be_an_address(acme):
    result = create(acme, "acme", "a@acme.test", code=2)
    assert "Missing option '--group'" in result.stderr
    result = create(acme, "acme", "not-an-address", "--group", "admin", code=2)
    assert "'not-an-address' is not an e-mail address" in result.stderr


def test_unknown_or_suspended_tenant(acme):
    result = create(acme, "nope", "a@acme.test", "--group", "admin", code=1)
    assert result.stderr == "Error: no tenant named 'nope'\n"
    acme.ok("tenant", "suspend", "acme")
    result = create(acme, "acme", "a@acme.test", "--group", "admin", code=1)
    assert "tenant 'acme' is suspended; resume it first" in result.stderr
    result = acme.fails("user", "reset-password", "acme", "a@acme.test")
    assert "tenant 'acme' is suspended" in result.stderr


def mails(cli_settings) -> list[email.message.Message]:
    folder = Path(cli_settings["mail.top_level_directory"])
    return [
        email.message_from_bytes(p.read_bytes()) for p in sorted(folder.rglob("*")) if p.is_file()
    ]


def test_reset_password_mails_a_single_use_link(acme, cli_settings, webapp):
    create(acme, "acme", "a@acme.test", "--group", "admin")
    result = acme.ok("user", "reset-password", "acme", "A@acme.test")
    assert result.stdout == "Mailed a@acme.test a single-use reset link, valid for 30 minutes.\n"
    [message] = mails(cli_settings)
    assert message["To"] == "a@acme.test"
    body = message.get_payload(decode=True).decode()
    link = next(word for word in body.split() if "/reset-password/" in word)
    assert link.startswith("http://localhost/acme/reset-password/")
    # The password is unchanged until the link is used.
    assert api_login(webapp(), "acme", "a@acme.test")


def test_reset_password_of_an_unknown_user_is_an_error(acme, cli_settings):
    result = acme.fails("user", "reset-password", "acme", "ghost@acme.test")
    assert result.stderr == "Error: no user ghost@acme.test in tenant 'acme'\n"
    assert mails(cli_settings) == []
    result = acme.fails("user", "reset-password", "acme", "ghost@acme.test", "--set")
    assert "no user ghost@acme.test" in result.stderr


def test_reset_password_set_changes_it_and_ends_sessions(acme, webapp):
    create(acme, "acme", "a@acme.test", "--group", "admin")
    app = webapp()
    token = api_login(app, "acme", "a@acme.test")
    app.get("/api/v1/acme/me", headers=bearer(token), status=200)
    result = acme(
        "user",
        "reset-password",
        "acme",
        "a@acme.test",
        "--set",
        env={"PRAXCLOUD_PASSWORD": NEW_PASSWORD},
    )
    assert result.exit_code == 0, result.output
    assert "all of their sessions are ended" in result.stdout
    app.get("/api/v1/acme/me", headers=bearer(token), status=401)
    app.post_json(
        "/api/v1/acme/auth/login", {"email": "a@acme.test", "password": PASSWORD}, status=401
    )
    assert api_login(app, "acme", "a@acme.test", NEW_PASSWORD)


def test_reset_password_set_prompts_and_applies_the_policy(acme, webapp):
    create(acme, "acme", "a@acme.test", "--group", "admin")
    result = acme("user", "reset-password", "acme", "a@acme.test", "--set", input="tiny\ntiny\n")
    assert result.exit_code == 1
    assert "New password: " in result.output
    assert "password: use at least 8 characters." in result.stderr
    assert api_login(webapp(), "acme", "a@acme.test")


def test_a_tenants_password_policy_holds_on_the_command_line(acme):
    """The CLI sets passwords through the same check as the console and the API: with the
    password_policy plugin on, every rule broken is listed under the password field."""
    acme.ok("plugins", "enable", "acme", "password_policy")
    result = create(acme, "acme", "a@acme.test", "--group", "staff", password="passwordpassword",
                    code=1)
    assert "password: this password is too common" in result.stderr
    short = create(acme, "acme", "b@acme.test", "--group", "staff", password="plum orbit",
                   code=1)
    assert "use at least 15 characters" in short.stderr
    create(acme, "acme", "c@acme.test", "--group", "staff")
