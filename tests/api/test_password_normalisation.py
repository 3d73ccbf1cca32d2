"""Passwords are one password whatever Unicode form they arrive in (NFKC, NIST SP 800-63B-4).

A passphrase with ``é`` typed as one code point (NFC) and the same text sent
decomposed (NFD) log in alike, for tenant users (API and console) and for
operators. Hashes stored before normalisation keep working and are replaced
by a hash of the normalised form at the next login.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select

from praxcloud.cli.operators import create_operator
from praxcloud.core.models import Operator
from praxcloud.testing import api_login, bearer
from tests.api.conftest import login
from tests.api.test_passwords_and_login import LOGIN, set_hash, stored_hash
from tests.platform_console.conftest import operator_login

COMPOSED = unicodedata.normalize("NFC", "café crème brûlée à l'été")
DECOMPOSED = unicodedata.normalize("NFD", COMPOSED)
# NFKC also folds compatibility forms: a full-width letter, a ligature.
COMPATIBLE = "ｃａｆé crème brûlée à l'été"


def test_the_two_forms_differ_and_normalise_to_one():
    assert COMPOSED != DECOMPOSED and len(DECOMPOSED) > len(COMPOSED)
    nfkc = [unicodedata.normalize("NFKC", text) for text in (DECOMPOSED, COMPOSED, COMPATIBLE)]
    assert nfkc == [COMPOSED] * 3


def test_a_password_set_in_one_form_logs_in_with_the_other(testapp, tenant, registry):
    admin = login(testapp, "acme", "admin@acme.test")
    testapp.post_json("/api/v1/acme/users", {"email": "nfc@acme.test", "groups": ["staff"],
                                             "password": COMPOSED}, headers=admin, status=201)
    testapp.post_json("/api/v1/acme/users", {"email": "nfd@acme.test", "groups": ["staff"],
                                             "password": DECOMPOSED}, headers=admin, status=201)
    for email in ("nfc@acme.test", "nfd@acme.test"):
        for typed in (COMPOSED, DECOMPOSED, COMPATIBLE):
            api_login(testapp, "acme", email, typed)
        testapp.post_json(LOGIN, {"email": email, "password": COMPOSED + "x"}, status=401)


def test_a_changed_password_logs_in_in_either_form(testapp, tenant, registry):
    headers = login(testapp, "acme", "staff@acme.test")
    testapp.post_json("/api/v1/acme/me/password",
                      {"current_password": "correct horse battery staple",
                       "new_password": DECOMPOSED}, headers=headers, status=204)
    token = api_login(testapp, "acme", "staff@acme.test", COMPOSED)
    # The current password is checked in its normalised form too.
    testapp.post_json("/api/v1/acme/me/password",
                      {"current_password": DECOMPOSED, "new_password": "another long passphrase"},
                      headers=bearer(token), status=204)


def test_the_console_login_takes_either_form(testapp, tenant, registry, make_user):
    make_user("acme", "console@acme.test", password=DECOMPOSED)
    page = testapp.get("/acme/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = testapp.post("/acme/login", {"csrf_token": token, "email": "console@acme.test",
                                          "password": COMPOSED}, status=303)
    assert "/acme/login" not in answer.headers["Location"]


def test_a_hash_of_the_raw_form_still_logs_in_and_is_rehashed(testapp, tenant, registry):
    """A hash made before normalisation: the raw form is tried once, then replaced."""
    context = registry.password_context
    old_hash = context.hash(DECOMPOSED)  # what the core stored before this change
    set_hash(registry, "staff@acme.test", old_hash)
    testapp.post_json(LOGIN, {"email": "staff@acme.test", "password": DECOMPOSED + "x"},
                      status=401)
    assert stored_hash(registry, "staff@acme.test") == old_hash  # a failure rehashes nothing
    api_login(testapp, "acme", "staff@acme.test", DECOMPOSED)
    new_hash = stored_hash(registry, "staff@acme.test")
    assert new_hash != old_hash and new_hash.startswith("$argon2id$")
    assert context.verify(COMPOSED, new_hash)  # the normalised form is what is stored now
    # From now on every form logs in.
    api_login(testapp, "acme", "staff@acme.test", COMPOSED)
    api_login(testapp, "acme", "staff@acme.test", DECOMPOSED)


def operator_hash(registry, email: str) -> str:
    with registry.tenancy.platform_session() as platform_db:
        return platform_db.scalars(select(Operator.password_hash)
                                   .where(Operator.email == email)).one()


def logged_in_as_operator(testapp) -> bool:
    return testapp.get("/platform/tenants", expect_errors=True).status_int == 200


def test_operators_log_in_with_either_form(testapp, registry):
    create_operator(registry, "nfc-ops@praxcloud.test", COMPOSED)
    answer = operator_login(testapp, "nfc-ops@praxcloud.test", DECOMPOSED)
    assert "/platform/login" not in answer.headers["Location"]
    assert registry.password_context.verify(COMPOSED, operator_hash(registry,
                                                                    "nfc-ops@praxcloud.test"))


def test_an_operator_hash_of_the_raw_form_is_rehashed(testapp, registry, fake_clock):
    context = registry.password_context
    old_hash = context.hash(DECOMPOSED)
    with registry.tenancy.platform_session() as platform_db:
        platform_db.add(Operator(email="old-ops@praxcloud.test", password_hash=old_hash))
    page = operator_login(testapp, "old-ops@praxcloud.test", COMPOSED + "x", status=401)
    assert "not right" in page.text
    assert operator_hash(registry, "old-ops@praxcloud.test") == old_hash
    fake_clock.advance(2)  # the wait a failed login earns
    answer = operator_login(testapp, "old-ops@praxcloud.test", DECOMPOSED)
    assert "/platform/login" not in answer.headers["Location"]
    assert context.verify(COMPOSED, operator_hash(registry, "old-ops@praxcloud.test"))
