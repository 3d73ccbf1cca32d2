"""The console as a person uses it: scan the QR code (zbarimg), type the phone's code (oathtool)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from praxcloud.testing import need
from tests.console.conftest import alert_text, field_error, login, session_cookie
from tests.plugins.mfa_totp.conftest import STEP, age_sessions, oathtool, secret_from_uri


def scan(testapp, page, tmp_path) -> str:
    """What a phone's camera reads from the enrol page's QR image: the otpauth:// URI."""
    need(shutil.which("zbarimg") is not None,
         "zbarimg is not installed (apt-get install zbar-tools)")
    image = testapp.get(page.html.find(id="totp-qr")["src"])
    assert image.content_type == "image/png"
    assert image.headers["Cache-Control"] == "no-store"
    path = tmp_path / "qr.png"
    path.write_bytes(image.body)
    done = subprocess.run(["zbarimg", "--raw", "-q", str(path)], capture_output=True, text=True,
                          check=True, timeout=30)
    return done.stdout.strip()


def start_setup(testapp):
    manage = testapp.get("/acme/account/mfa/totp")
    return manage.forms["enrol-form"].submit(status=303).follow()


def confirm(page, code: str, status: int = 200):
    form = page.forms["confirm-form"]
    form["code"] = code
    return form.submit(status=status)


def enrol_in_console(testapp, clock, tmp_path) -> tuple[str, list[str]]:
    page = start_setup(testapp)
    secret = secret_from_uri(scan(testapp, page, tmp_path))
    shown = confirm(page, clock.code(secret))
    codes = [item.get_text(strip=True) for item in shown.html.select("#recovery-codes li")]
    clock.advance(STEP)
    return secret, codes


@pytest.fixture
def staff(testapp, totp):
    login(testapp, "staff@acme.test")
    return testapp


def test_set_up_by_scanning_the_qr_code(staff, totp, tmp_path, backend):
    overview = staff.get("/acme/account/mfa")
    assert "Authenticator app" in overview.text and "Not set up" in overview.text
    page = start_setup(staff)
    assert page.headers["Cache-Control"] == "no-store"
    uri = scan(staff, page, tmp_path)
    assert uri.startswith("otpauth://totp/Acme%20Care:staff%40acme.test?")
    secret = secret_from_uri(uri)
    # The key in text is the same secret, grouped for typing.
    assert page.html.find(id="totp-secret").get_text().replace(" ", "") == secret
    shown = confirm(page, oathtool(secret, totp.now))
    assert shown.headers["Cache-Control"] == "no-store"
    codes = [item.get_text(strip=True) for item in shown.html.select("#recovery-codes li")]
    assert len(codes) == 10 and all(len(code) == 19 for code in codes)
    assert "shown only this once" in shown.text
    manage = staff.get("/acme/account/mfa/totp")
    assert manage.html.find(id="recovery-left").get_text() == "10 of 10"
    assert not any(code in manage.text for code in codes)
    # The secret is not shown any more, nor its QR code.
    staff.get("/acme/account/mfa/totp/qr.png", status=404)
    assert staff.get("/acme/account/mfa/totp/enrol", status=303)


def test_wrong_and_malformed_codes_keep_the_set_up_waiting(staff, totp, tmp_path):
    page = start_setup(staff)
    secret = secret_from_uri(scan(staff, page, tmp_path))
    wrong = confirm(page, "12345", status=422)
    assert "6-digit code" in field_error(wrong, "code")
    off = confirm(wrong, oathtool(secret, totp.now + 15 * 60), status=422)
    assert "ahead by about 15 minutes" in field_error(off, "code")
    assert alert_text(off) == "That code did not confirm the app."
    assert "Not set up" in staff.get("/acme/account/mfa").text
    # The same page still works with the right code.
    assert confirm(off, oathtool(secret, totp.now)).html.select("#recovery-codes li")


def test_login_asks_for_the_code_with_a_hint(staff, totp, tmp_path, registry):
    secret, codes = enrol_in_console(staff, totp, tmp_path)
    staff.reset()
    page = login(staff, "staff@acme.test").follow()
    assert "authenticator app, or one of your recovery codes" in page.text
    form = page.forms["mfa-form"]
    assert form["method"].value == "totp"
    assert page.html.find(id="f-code")["autocomplete"] == "one-time-code"
    form["code"] = oathtool(secret, totp.now)
    done = form.submit(status=303)
    assert done.location == "http://localhost/acme/"
    assert session_cookie(staff)
    # A recovery code in the same field, next time; the code used before is refused.
    staff.reset()
    page = login(staff, "staff@acme.test").follow()
    form = page.forms["mfa-form"]
    form["code"] = oathtool(secret, totp.now)
    again = form.submit(status=401)
    assert "already been used" in alert_text(again)
    form = again.forms["mfa-form"]
    form["code"] = codes[0]
    assert form.submit(status=303).location == "http://localhost/acme/"


def test_new_recovery_codes_and_turning_off(staff, totp, tmp_path):
    _secret, old = enrol_in_console(staff, totp, tmp_path)
    manage = staff.get("/acme/account/mfa/totp")
    fresh = manage.forms["recovery-form"].submit(status=200)
    new = [item.get_text(strip=True) for item in fresh.html.select("#recovery-codes li")]
    assert len(new) == 10 and not set(new) & set(old)
    manage = staff.get("/acme/account/mfa/totp")
    gone = manage.forms["disable-form"].submit(status=303).follow()
    assert "were removed" in gone.text and "enrol-form" in gone.forms
    staff.reset()
    assert login(staff, "staff@acme.test").location == "http://localhost/acme/"


def test_changes_ask_for_the_password_again(staff, totp, registry):
    manage = staff.get("/acme/account/mfa/totp")
    age_sessions(registry)
    asked = manage.forms["enrol-form"].submit(status=303)
    assert asked.location.startswith("http://localhost/acme/account/confirm?next=")
    form = asked.follow().forms["reauth-form"]
    form["password"] = "correct horse battery staple"
    back = form.submit(status=303)
    assert back.location == "http://localhost/acme/account/mfa/totp"
    page = back.follow().forms["enrol-form"].submit(status=303).follow()
    assert page.html.find(id="totp-qr")


def test_a_user_the_tenant_requires_is_held_until_enrolled(testapp, totp, registry, tmp_path):
    from tests.api.conftest import set_tenant_settings

    set_tenant_settings(registry, "acme", mfa_required_groups=["staff"])
    first = login(testapp, "staff@acme.test")
    assert first.location == "http://localhost/acme/account/mfa"
    assert "requires a second factor" in first.follow().text
    held = testapp.get("/acme/records", status=303)
    assert held.location == "http://localhost/acme/account/mfa"
    secret, codes = enrol_in_console(testapp, totp, tmp_path)
    assert len(codes) == 10
    assert testapp.get("/acme/records").status_int == 200
    # Removing the only factor is refused while the tenant requires one.
    manage = testapp.get("/acme/account/mfa/totp")
    assert "disable-form" not in manage.forms
    testapp.reset()
    page = login(testapp, "staff@acme.test").follow()
    form = page.forms["mfa-form"]
    form["code"] = oathtool(secret, totp.now)
    assert form.submit(status=303).location == "http://localhost/acme/"


def test_a_required_user_enrols_through_the_api(testapp, totp, registry):
    from tests.api.conftest import set_tenant_settings
    from tests.plugins.mfa_totp.conftest import api_enrol

    set_tenant_settings(registry, "acme", mfa_required_groups=["staff"])
    token = testapp.post_json("/api/v1/acme/auth/login", {
        "email": "staff@acme.test", "password": "correct horse battery staple"}).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    testapp.get("/api/v1/acme/records", headers=headers, status=403)
    secret = api_enrol(testapp, headers)
    testapp.post_json("/api/v1/acme/mfa/totp/confirm", {"code": totp.code(secret)},
                      headers=headers)
    assert testapp.get("/api/v1/acme/records", headers=headers).status_int == 200
    refused = testapp.delete("/api/v1/acme/mfa/totp", headers=headers, status=409)
    assert refused.json["error"]["code"] == "totp_required"


def test_a_tenant_without_the_plugin_has_no_pages(testapp, registry, make_tenant, make_user,
                                                   totp):
    make_tenant("beta", "Beta Care")
    make_user("beta", "staff@beta.test")
    assert login(testapp, "staff@beta.test", slug="beta").location == "http://localhost/beta/"
    for path in ("", "/enrol", "/qr.png"):
        testapp.get("/beta/account/mfa/totp" + path, status=404)


def test_forms_without_the_csrf_token_change_nothing(staff, totp, tmp_path):
    enrol_in_console(staff, totp, tmp_path)
    for path in ("/disable", "/recovery-codes", "/enrol", "/confirm"):
        staff.post("/acme/account/mfa/totp" + path, {"code": "123456"}, status=400)
    manage = staff.get("/acme/account/mfa/totp")
    assert manage.html.find(id="recovery-left").get_text() == "10 of 10"
