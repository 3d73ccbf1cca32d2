"""Enrolment and login through the JSON API, codes made by oathtool as a phone would.

Every test runs on SQLite and on PostgreSQL (the ``backend`` fixture).
"""

from __future__ import annotations

from sqlalchemy import select

from plugins.mfa_totp.models import TotpDevice, TotpRecoveryCode
from praxcloud.core import contracts
from praxcloud.core.models import AuditEvent, LoginChallenge, User
from praxcloud.core.scripting import tenant_request
from praxcloud.testing import api_login, bearer
from tests.console.conftest import mail_files, reset_link_from_mail
from tests.plugins.mfa_totp.conftest import (
    STEP,
    api_enrol,
    enrolled,
    mail_text,
    mfa_step,
    password_step,
)


def events(registry, name: str) -> list[AuditEvent]:
    with tenant_request(registry, "acme") as request:
        return list(request.tenant_db.scalars(
            select(AuditEvent).where(AuditEvent.event == name).order_by(AuditEvent.id)))


def device_row(registry, email: str = "staff@acme.test") -> TotpDevice | None:
    with tenant_request(registry, "acme") as request:
        user_id = request.tenant_db.scalar(select(User.id).where(User.email == email))
        return request.tenant_db.scalars(
            select(TotpDevice).where(TotpDevice.user_id == user_id)).first()


def test_enrol_confirm_then_login_needs_a_code(testapp, totp, registry, backend):
    headers = bearer(api_login(testapp, "acme", "staff@acme.test"))
    assert testapp.get("/api/v1/acme/mfa/totp", headers=headers).json == {
        "enrolled": False, "pending": False, "confirmed_at": None, "recovery_codes_left": 0}
    answer = testapp.post("/api/v1/acme/mfa/totp/enrol", headers=headers)
    assert answer.headers["Cache-Control"] == "no-store"
    secret = answer.json["secret"]
    assert answer.json["otpauth_uri"].startswith("otpauth://totp/Acme%20Care:staff%40acme.test?")
    assert testapp.get("/api/v1/acme/mfa/totp", headers=headers).json["pending"] is True

    confirmed = testapp.post_json("/api/v1/acme/mfa/totp/confirm", {"code": totp.code(secret)},
                                  headers=headers).json
    codes = confirmed["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    status = testapp.get("/api/v1/acme/mfa/totp", headers=headers).json
    assert status["enrolled"] is True and status["recovery_codes_left"] == 10
    assert status["confirmed_at"].endswith("Z")

    totp.advance(STEP)
    first = password_step(testapp)
    assert first["mfa_required"] == ["totp"] and "token" not in first
    done = mfa_step(testapp, first["mfa_token"], totp.code(secret)).json
    assert set(done) == {"token", "expires_at"}
    assert testapp.get("/api/v1/acme/me", headers=bearer(done["token"])).json["email"] == \
        "staff@acme.test"
    assert [e.outcome for e in events(registry, "mfa_totp.confirm")] == ["success"]
    assert [e.outcome for e in events(registry, "mfa_totp.enrol")] == ["success"]


def test_the_secret_is_stored_sealed_and_bound_to_the_user(testapp, totp, registry):
    secret, _codes = enrolled(testapp, totp)
    row = device_row(registry)
    assert row.secret and secret.encode() not in row.secret
    assert row.pending_secret is None
    with tenant_request(registry, "acme") as request:
        hashes = list(request.tenant_db.scalars(select(TotpRecoveryCode.code_hash)))
    assert len(hashes) == 10 and all(len(h) == 64 for h in hashes)
    # Moved to another user's row, the sealed secret does not open: that login fails closed.
    with tenant_request(registry, "acme") as request:
        other = TotpDevice(user_id=row.user_id + 1, secret=row.secret,
                           confirmed_at=row.confirmed_at)
        request.tenant_db.add(other)
    challenge = password_step(testapp, "reader@acme.test")
    refused = mfa_step(testapp, challenge["mfa_token"], totp.code(secret), status=401).json
    assert refused["error"]["code"] == "totp_unavailable"


def test_a_pending_secret_is_never_active(testapp, totp, registry):
    headers = bearer(api_login(testapp, "acme", "staff@acme.test"))
    secret = api_enrol(testapp, headers)
    # Not confirmed: the password alone still logs in, and the code means nothing.
    assert "token" in password_step(testapp)
    wrong = testapp.post_json("/api/v1/acme/mfa/totp/confirm", {"code": "000000"},
                              headers=headers, status=422).json["error"]
    if wrong["code"] != "totp_invalid":  # 000000 may, once in a million, be right
        assert wrong["code"] == "totp_clock_skew"
    assert wrong["fields"] == {"code": wrong["message"]}
    assert device_row(registry).secret is None
    assert "token" in password_step(testapp)
    assert [e.details["reason"] for e in events(registry, "mfa_totp.confirm")] == [wrong["code"]]
    # The right code confirms it.
    testapp.post_json("/api/v1/acme/mfa/totp/confirm", {"code": totp.code(secret)},
                      headers=headers)
    assert password_step(testapp)["mfa_required"] == ["totp"]


def test_a_used_code_is_refused_and_the_next_one_works(testapp, totp, registry):
    secret, _ = enrolled(testapp, totp)
    code = totp.code(secret)
    mfa_step(testapp, password_step(testapp)["mfa_token"], code)
    again = password_step(testapp)["mfa_token"]
    refused = mfa_step(testapp, again, code, status=401).json["error"]
    assert refused["code"] == "totp_replayed"
    assert "already been used" in refused["message"]
    # An older code than the last one used (still inside the drift window) is refused too.
    older = mfa_step(testapp, again, totp.code(secret, -1), status=401).json["error"]
    assert older["code"] == "totp_replayed"
    totp.advance(STEP)
    assert "token" in mfa_step(testapp, again, totp.code(secret)).json
    reasons = [e.details["reason"] for e in events(registry, "mfa.verify")
               if e.outcome == "failure"]
    assert reasons == ["totp_replayed", "totp_replayed"]


def test_the_confirming_code_cannot_log_in(testapp, totp):
    headers = bearer(api_login(testapp, "acme", "staff@acme.test"))
    secret = api_enrol(testapp, headers)
    code = totp.code(secret)
    testapp.post_json("/api/v1/acme/mfa/totp/confirm", {"code": code}, headers=headers)
    refused = mfa_step(testapp, password_step(testapp)["mfa_token"], code, status=401).json
    assert refused["error"]["code"] == "totp_replayed"


def test_one_step_of_drift_is_accepted_two_are_refused(testapp, totp):
    secret, _ = enrolled(testapp, totp)
    # A phone one step behind (the step after the confirming code's), then one step ahead.
    totp.advance(STEP)
    assert "token" in mfa_step(testapp, password_step(testapp)["mfa_token"],
                               totp.code(secret, -1)).json
    assert "token" in mfa_step(testapp, password_step(testapp)["mfa_token"],
                               totp.code(secret, 1)).json
    for steps in (2, -2):
        token = password_step(testapp)["mfa_token"]
        refused = mfa_step(testapp, token, totp.code(secret, steps), status=401).json["error"]
        assert refused["code"] == "totp_clock_skew"
        assert "about 1 minute" in refused["message"]


def test_a_far_off_clock_is_told_and_its_future_code_never_works(testapp, totp, registry):
    secret, _ = enrolled(testapp, totp)
    token = password_step(testapp)["mfa_token"]
    ahead = totp.code(secret, 20)  # the phone is ten minutes fast
    refused = mfa_step(testapp, token, ahead, status=401).json["error"]
    assert refused["code"] == "totp_clock_skew"
    assert "ahead by about 10 minutes" in refused["message"]
    behind = mfa_step(testapp, token, totp.code(secret, -60), status=401).json["error"]
    assert "behind by about 30 minutes" in behind["message"]
    # Ten minutes later that code is current, but it was revealed: refused.
    totp.advance(20 * STEP)
    token = password_step(testapp)["mfa_token"]
    assert mfa_step(testapp, token, ahead, status=401).json["error"]["code"] == "totp_replayed"
    totp.advance(STEP)
    assert "token" in mfa_step(testapp, token, totp.code(secret)).json


def test_recovery_codes_work_once_are_audited_and_mailed(testapp, totp, registry, settings):
    secret, codes = enrolled(testapp, totp)
    mails_before = len(mail_files(settings))
    token = password_step(testapp)["mfa_token"]
    # Typed in upper case with spaces: still the same code.
    typed = codes[3].upper().replace("-", " ")
    assert "token" in mfa_step(testapp, token, typed).json
    used = events(registry, "mfa_totp.recovery_used")
    assert [(e.outcome, e.details) for e in used] == [("success", {"left": 9})]
    mails = mail_files(settings)
    assert len(mails) == mails_before + 1
    text = mail_text(mails[-1])
    assert "Acme Care: a recovery code was used" in text and "9 unused recovery codes" in text
    assert codes[3] not in text
    # The same code again: refused; another one still works.
    token = password_step(testapp)["mfa_token"]
    refused = mfa_step(testapp, token, codes[3], status=401).json["error"]
    assert refused["code"] == "recovery_code_invalid"
    assert "token" in mfa_step(testapp, token, codes[4]).json
    headers = bearer(api_login_with_code(testapp, totp, secret))
    assert testapp.get("/api/v1/acme/mfa/totp", headers=headers).json[
        "recovery_codes_left"] == 8


def api_login_with_code(testapp, clock, secret, email="staff@acme.test") -> str:
    clock.advance(STEP)
    token = password_step(testapp, email)["mfa_token"]
    return mfa_step(testapp, token, clock.code(secret)).json["token"]


def test_new_recovery_codes_replace_the_old_ones(testapp, totp, registry, settings):
    secret, old = enrolled(testapp, totp)
    headers = bearer(api_login_with_code(testapp, totp, secret))
    fresh = testapp.post("/api/v1/acme/mfa/totp/recovery-codes", headers=headers)
    assert fresh.headers["Cache-Control"] == "no-store"
    new = fresh.json["recovery_codes"]
    assert len(new) == 10 and not set(new) & set(old)
    token = password_step(testapp)["mfa_token"]
    assert mfa_step(testapp, token, old[0], status=401).json["error"]["code"] == \
        "recovery_code_invalid"
    assert "token" in mfa_step(testapp, token, new[0]).json
    assert len(events(registry, "mfa_totp.recovery_regenerate")) == 1
    subjects = [mail_text(path).splitlines()[0] for path in mail_files(settings)]
    assert subjects.count("Acme Care: new recovery codes") == 1


def test_wrong_and_malformed_codes_are_clear_401s_and_change_nothing(testapp, totp, registry):
    secret, _ = enrolled(testapp, totp)
    before = device_row(registry).last_used_step
    token = password_step(testapp)["mfa_token"]
    right = totp.code(secret)
    wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"
    answers = {
        "wrong": mfa_step(testapp, token, wrong, status=401).json["error"],
        "short": mfa_step(testapp, token, "12345", status=401).json["error"],
        "letters": mfa_step(testapp, token, "12a456", status=401).json["error"],
    }
    assert answers["wrong"]["code"] in ("totp_invalid", "totp_clock_skew")
    assert answers["short"]["code"] == answers["letters"]["code"] == "totp_malformed"
    assert "6-digit code" in answers["short"]["message"]
    # A code that is not a string is refused by the core's schema, before the plugin.
    not_text = mfa_step(testapp, token, 123456, status=422).json["error"]
    assert not_text["code"] == "validation_failed"
    assert device_row(registry).last_used_step == before
    with tenant_request(registry, "acme") as request:
        challenge = request.tenant_db.scalars(select(LoginChallenge)
                                              .order_by(LoginChallenge.id.desc())).first()
        assert challenge.failures == 3 and challenge.used_at is None
    # Five wrong answers end the login attempt, right code or not.
    mfa_step(testapp, token, wrong, status=401)
    mfa_step(testapp, token, wrong, status=401)
    ended = mfa_step(testapp, token, right, status=401).json["error"]
    assert ended["code"] == "mfa_token_invalid"
    failures = [e for e in events(registry, "mfa.verify") if e.outcome == "failure"]
    assert len(failures) == 5 and all("code" not in str(e.details.keys()) for e in failures)


def test_stale_and_foreign_mfa_tokens_are_refused(testapp, totp, registry):
    secret, _ = enrolled(testapp, totp)
    reader_secret, _ = enrolled(testapp, totp, "reader@acme.test")
    staff_token = password_step(testapp)["mfa_token"]
    # The reader's code with the staff member's token: checked against staff's secret.
    refused = mfa_step(testapp, staff_token, totp.code(reader_secret), status=401).json["error"]
    assert refused["code"] in ("totp_invalid", "totp_clock_skew")
    # A token already used, an invented one, an expired one.
    mfa_step(testapp, staff_token, totp.code(secret))
    assert mfa_step(testapp, staff_token, totp.code(secret), status=401).json["error"][
        "code"] == "mfa_token_invalid"
    assert mfa_step(testapp, "x" * 43, totp.code(secret), status=401).json["error"][
        "code"] == "mfa_token_invalid"
    expired = password_step(testapp, "reader@acme.test")["mfa_token"]
    with tenant_request(registry, "acme") as request:
        for challenge in request.tenant_db.scalars(select(LoginChallenge)):
            challenge.expires_at = challenge.created_at
    assert mfa_step(testapp, expired, totp.code(reader_secret), status=401).json["error"][
        "code"] == "mfa_token_invalid"
    # Nothing was spent by the refusals: the reader's current code still logs in.
    assert "token" in mfa_step(testapp, password_step(testapp, "reader@acme.test")["mfa_token"],
                               totp.code(reader_secret)).json


def test_wrong_codes_per_user_and_hour_are_limited_across_attempts(testapp, totp, registry):
    contracts.configure(registry, "acme", "mfa_totp", {"max_failures_per_hour": 3})
    secret, codes = enrolled(testapp, totp)
    right = totp.code(secret)
    wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"
    for _ in range(3):
        # A new login attempt each time: the core's per-attempt count does not stop this.
        mfa_step(testapp, password_step(testapp)["mfa_token"], wrong, status=401)
    token = password_step(testapp)["mfa_token"]
    for code in (right, codes[0]):
        limited = mfa_step(testapp, token, code, status=401).json["error"]
        assert limited["code"] == "totp_rate_limited"
        assert "try again in 60 minutes" in limited["message"]
    assert [e.outcome for e in events(registry, "mfa_totp.failure_limit")] == ["failure"]
    # The right code was not spent while refused; nor was the recovery code.
    assert device_row(registry).last_used_step < totp.now // STEP
    # Another user is not affected.
    reader_secret, _ = enrolled(testapp, totp, "reader@acme.test")
    assert api_login_with_code(testapp, totp, reader_secret, "reader@acme.test")


def test_changing_the_factor_needs_a_recent_password(testapp, totp, registry):
    from tests.plugins.mfa_totp.conftest import age_sessions

    secret, _ = enrolled(testapp, totp)
    headers = bearer(api_login_with_code(testapp, totp, secret))
    age_sessions(registry)
    for method, path in (("post", "/enrol"), ("post", "/recovery-codes"), ("delete", "")):
        answer = getattr(testapp, method)("/api/v1/acme/mfa/totp" + path, headers=headers,
                                          status=403)
        assert answer.json["error"]["code"] == "reauth_required"
    assert testapp.post_json("/api/v1/acme/mfa/totp/confirm", {"code": "123456"},
                             headers=headers, status=403).json["error"]["code"] == \
        "reauth_required"
    assert testapp.get("/api/v1/acme/mfa/totp", headers=headers).json["enrolled"] is True
    testapp.post_json("/api/v1/acme/auth/reauth", {"password": "correct horse battery staple"},
                      headers=headers)
    testapp.delete("/api/v1/acme/mfa/totp", headers=headers, status=204)
    assert testapp.get("/api/v1/acme/mfa/totp", headers=headers).json["enrolled"] is False
    assert "token" in password_step(testapp)
    assert [e.outcome for e in events(registry, "mfa_totp.disable")] == ["success"]


def test_a_new_phone_replaces_the_old_one_only_when_confirmed(testapp, totp):
    old_secret, _ = enrolled(testapp, totp)
    headers = bearer(api_login_with_code(testapp, totp, old_secret))
    new_secret = api_enrol(testapp, headers)
    assert new_secret != old_secret
    # Until confirmed, the old phone logs in and the new one does not.
    assert api_login_with_code(testapp, totp, old_secret)
    totp.advance(STEP)
    token = password_step(testapp)["mfa_token"]
    assert mfa_step(testapp, token, totp.code(new_secret), status=401)
    testapp.post_json("/api/v1/acme/mfa/totp/confirm", {"code": totp.code(new_secret)},
                      headers=headers)
    totp.advance(STEP)
    assert mfa_step(testapp, token, totp.code(old_secret), status=401)
    assert "token" in mfa_step(testapp, token, totp.code(new_secret)).json


def test_a_password_reset_does_not_bypass_the_app(testapp, totp, registry, settings):
    secret, _ = enrolled(testapp, totp)
    testapp.post_json("/api/v1/acme/auth/forgot-password", {"email": "staff@acme.test"},
                      status=202)
    link = reset_link_from_mail(mail_files(settings)[-1])
    testapp.post_json("/api/v1/acme/auth/reset-password",
                      {"token": link.rsplit("/", 1)[1], "password": "a new long password 42"},
                      status=204)
    first = password_step(testapp, password="a new long password 42")
    assert first["mfa_required"] == ["totp"] and "token" not in first
    assert "token" in mfa_step(testapp, first["mfa_token"], totp.code(secret)).json


def test_bodies_are_checked(testapp, totp):
    headers = bearer(api_login(testapp, "acme", "staff@acme.test"))
    bad = {
        "unknown field": (testapp.post_json, "/enrol", {"issuer": "x"}, 422),
        "unknown field in confirm": (testapp.post_json, "/confirm", {"code": "1", "x": 1}, 422),
        "missing code": (testapp.post_json, "/confirm", {}, 422),
        "code not text": (testapp.post_json, "/confirm", {"code": 123456}, 422),
        "code too long": (testapp.post_json, "/confirm", {"code": "1" * 101}, 422),
        "body not an object": (testapp.post_json, "/confirm", ["123456"], 422),
    }
    for what, (send, path, body, status) in bad.items():
        answer = send("/api/v1/acme/mfa/totp" + path, body, headers=headers, status=status)
        error = answer.json["error"]
        assert set(error) == {"code", "message", "fields"}, what
    assert testapp.post_json("/api/v1/acme/mfa/totp/confirm", {"code": "1", "x": 1},
                             headers=headers, status=422).json["error"]["fields"] == {
        "x": "unknown field"}
    assert testapp.post_json("/api/v1/acme/mfa/totp/confirm", {"code": 1}, headers=headers,
                             status=422).json["error"]["fields"] == {
        "code": "must be text"}
    assert testapp.post_json("/api/v1/acme/mfa/totp/confirm", {"code": "1" * 101},
                             headers=headers, status=422).json["error"]["fields"] == {
        "code": "use at most 100 characters"}
    malformed = testapp.post("/api/v1/acme/mfa/totp/confirm", "{not json", headers={
        **headers, "Content-Type": "application/json"}, status=400).json
    assert malformed["error"]["code"] == "malformed_json"
    as_form = testapp.post("/api/v1/acme/mfa/totp/confirm", {"code": "123456"},
                           headers=headers, status=415).json
    assert as_form["error"]["code"] == "unsupported_media_type"
    # Confirming with nothing waiting.
    nothing = testapp.post_json("/api/v1/acme/mfa/totp/confirm", {"code": "123456"},
                                headers=headers, status=409).json
    assert nothing["error"]["code"] == "totp_no_enrolment"
    assert testapp.post("/api/v1/acme/mfa/totp/recovery-codes", headers=headers,
                        status=409).json["error"]["code"] == "totp_not_enrolled"
    assert testapp.delete("/api/v1/acme/mfa/totp", headers=headers,
                          status=404).json["error"]["code"] == "totp_not_enrolled"
    wrong_method = testapp.put("/api/v1/acme/mfa/totp/enrol", headers=headers, status=405)
    assert wrong_method.headers["Allow"] == "POST"
    assert wrong_method.json["error"]["code"] == "method_not_allowed"
    assert testapp.get("/api/v1/acme/mfa/totp", status=401).json["error"]["code"] == \
        "unauthorized"


def test_a_tenant_without_the_plugin(testapp, registry, make_tenant, make_user, totp):
    make_tenant("beta", "Beta Care")
    make_user("beta", "staff@beta.test")
    headers = bearer(api_login(testapp, "beta", "staff@beta.test"))
    for method, path in (("get", ""), ("post", "/enrol"), ("post", "/confirm"),
                         ("delete", ""), ("post", "/recovery-codes"), ("put", "/enrol")):
        answer = getattr(testapp, method)("/api/v1/beta/mfa/totp" + path, headers=headers,
                                          status=404)
        assert answer.json["error"]["code"] == "not_found"
    # Anonymous callers learn nothing either.
    testapp.get("/api/v1/beta/mfa/totp", status=404)
    testapp.get("/beta/account/mfa/totp", status=404)


def test_disabling_the_plugin_drops_the_second_factor_requirement(testapp, totp, registry):
    enrolled(testapp, totp)
    assert password_step(testapp)["mfa_required"] == ["totp"]
    contracts.disable(registry, "acme", "mfa_totp")
    assert "token" in password_step(testapp)


def test_an_administrator_reset_removes_the_app(testapp, totp, registry):
    from praxcloud.core.mfa import reset_second_factors
    from praxcloud.core.models import User

    enrolled(testapp, totp)
    with tenant_request(registry, "acme") as request:
        user = request.tenant_db.scalars(select(User).where(User.email == "staff@acme.test")).one()
        assert reset_second_factors(request, user) == ["totp"]
    with tenant_request(registry, "acme") as request:
        assert request.tenant_db.scalar(select(TotpRecoveryCode.id)) is None
        user = request.tenant_db.scalars(select(User).where(User.email == "staff@acme.test")).one()
        assert reset_second_factors(request, user) == []
    assert "token" in password_step(testapp)


def test_secrets_and_codes_never_reach_the_logs_or_the_audit_trail(testapp, totp, registry,
                                                                   caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    secret, codes = enrolled(testapp, totp)
    token = password_step(testapp)["mfa_token"]
    mfa_step(testapp, token, "999999" if totp.code(secret) != "999999" else "999998", status=401)
    mfa_step(testapp, token, codes[0])
    with tenant_request(registry, "acme") as request:
        trail = [str((e.event, e.target, e.details))
                 for e in request.tenant_db.scalars(select(AuditEvent))]
    for text in (caplog.text, *trail):
        assert secret not in text and secret.lower() not in text
        assert not any(code in text or code.replace("-", "") in text for code in codes)


def test_a_set_up_left_waiting_expires(testapp, totp, registry):
    import datetime as dt

    headers = bearer(api_login(testapp, "acme", "staff@acme.test"))
    secret = api_enrol(testapp, headers)
    with tenant_request(registry, "acme") as request:
        for device in request.tenant_db.scalars(select(TotpDevice)):
            device.pending_since -= dt.timedelta(minutes=31)
    assert testapp.get("/api/v1/acme/mfa/totp", headers=headers).json["pending"] is False
    late = testapp.post_json("/api/v1/acme/mfa/totp/confirm", {"code": totp.code(secret)},
                             headers=headers, status=409).json["error"]
    assert late["code"] == "totp_no_enrolment"
    assert "token" in password_step(testapp)
