"""The operator's local Pwned Passwords file: configured in the ini, checked at start-up,
searched at each password change, failing closed when it cannot be read.

The file is a small one made here in the real format (SHA1HEX:COUNT, in
hash order, CRLF as Have I Been Pwned ships it), never the real 40 GB.
"""

from __future__ import annotations

import hashlib

import pytest

from praxcloud.plugin import PluginError

from .conftest import GOOD, OTHER, change_password, headers, rejection

KEY = "praxcloud.plugin.password_policy.pwned_passwords_file"
BREACHED = "amber lanterns over the quiet harbour"


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest().upper()  # noqa: S324 - HIBP's format


@pytest.fixture
def pwned_file(tmp_path):
    lines = {sha1(f"filler {n}"): n % 50 + 1 for n in range(2000)}
    lines[sha1(BREACHED)] = 3
    path = tmp_path / "pwned-passwords-sha1-ordered-by-hash.txt"
    path.write_bytes("".join(f"{digest}:{count}\r\n"
                             for digest, count in sorted(lines.items())).encode("ascii"))
    return path


@pytest.fixture
def settings(settings, pwned_file):
    return {**settings, KEY: str(pwned_file)}


def test_a_breached_password_is_refused(testapp, policy_tenant):
    policy_tenant()
    auth = headers(testapp, "staff@acme.test")
    refused = change_password(testapp, auth, BREACHED, status=422)
    assert rejection(refused) == (
        "this password has appeared in a data breach; choose one that has not.")
    change_password(testapp, auth, GOOD)
    rules = testapp.get("/api/v1/acme/password-policy", headers=auth).json
    assert rules["breach_list"] is True


def test_a_file_that_cannot_be_read_refuses_the_password(testapp, policy_tenant, pwned_file):
    policy_tenant()
    auth = headers(testapp, "staff@acme.test")
    pwned_file.unlink()
    refused = change_password(testapp, auth, OTHER, status=422)
    assert rejection(refused) == ("the password could not be checked against the list of "
                                  "breached passwords; please try again later.")


@pytest.mark.parametrize("content", [None, b"", b"not a hash file\n", b"ABC:1\n"])
def test_a_missing_or_foreign_file_takes_the_plugin_out_of_service(
        request, settings, pwned_file, content):
    """Never a policy that silently skips the breach list: the start-up takes the plugin out
    of service, saying why, and tenants cannot have it until the operator fixes the file."""
    if content is None:
        pwned_file.unlink()
    else:
        pwned_file.write_bytes(content)
    registry = request.getfixturevalue("registry")
    reason = registry.plugin_host.broken["password_policy"]
    assert KEY in reason and str(pwned_file) in reason
    make_tenant = request.getfixturevalue("make_tenant")
    with pytest.raises(PluginError):
        make_tenant("acme", "Acme Care", plugins={"password_policy": {}})
