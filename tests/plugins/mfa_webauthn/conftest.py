"""Fixtures of the mfa_webauthn tests: the plugin enabled for acme, a software authenticator.

``soft_webauthn.SoftWebauthnDevice`` plays the browser and the key: it
answers ``navigator.credentials.create/get`` from options with bytes fields.
:class:`Key` converts the server's JSON options (base64url) to that shape and
the device's answers back to the JSON py_webauthn parses, as webauthn.js
does in a browser. The device never sets the user-verified flag; ``Key(uv=True)``
signs with it set, as a passkey with a fingerprint or PIN does.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from struct import pack

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.utils import sha256
from soft_webauthn import SoftWebauthnDevice
from sqlalchemy import select, update

from praxcloud.core import contracts
from praxcloud.core.models import AuthSession, LoginChallenge, User
from praxcloud.core.scripting import tenant_request
from praxcloud.testing import PASSWORD, api_login, bearer

ORIGIN = "http://localhost"
PLUGIN = "mfa_webauthn"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Key(SoftWebauthnDevice):
    """A software security key speaking the JSON the API and webauthn.js use."""

    def __init__(self, uv: bool = False):
        super().__init__()
        self.uv = uv

    def register(self, options: dict, origin: str = ORIGIN) -> dict:
        """navigator.credentials.create() from PublicKeyCredentialCreationOptions JSON."""
        public_key = dict(options)
        public_key["challenge"] = unb64url(options["challenge"])
        public_key["user"] = {**options["user"], "id": unb64url(options["user"]["id"])}
        answer = self.create({"publicKey": public_key}, origin)
        return {
            "id": b64url(answer["rawId"]), "rawId": b64url(answer["rawId"]),
            "type": "public-key",
            "response": {"clientDataJSON": b64url(answer["response"]["clientDataJSON"]),
                         "attestationObject": b64url(answer["response"]["attestationObject"]),
                         "transports": ["usb"]},
            "clientExtensionResults": {"credProps": {"rk": True}},
        }

    def get(self, options, origin):
        """The device's get(), with the user-verified flag when ``uv`` (passkeys)."""
        if not self.uv:
            return super().get(options, origin)
        if self.rp_id != options["publicKey"]["rpId"]:
            raise ValueError("Requested rpID does not match current credential")
        self.sign_count += 1
        client_data = json.dumps({
            "type": "webauthn.get", "challenge": b64url(options["publicKey"]["challenge"]),
            "origin": origin}).encode("utf-8")
        authenticator_data = (sha256(self.rp_id.encode("ascii")) + b"\x05"
                              + pack(">I", self.sign_count))
        signature = self.private_key.sign(authenticator_data + sha256(client_data),
                                          ec.ECDSA(hashes.SHA256()))
        return {"rawId": self.credential_id, "response": {
            "authenticatorData": authenticator_data, "clientDataJSON": client_data,
            "signature": signature, "userHandle": self.user_handle}}

    def assert_(self, options: dict, origin: str = ORIGIN) -> dict:
        """navigator.credentials.get() from PublicKeyCredentialRequestOptions JSON."""
        public_key = {**options, "challenge": unb64url(options["challenge"])}
        answer = self.get({"publicKey": public_key}, origin)
        response = answer["response"]
        result = {
            "id": b64url(answer["rawId"]), "rawId": b64url(answer["rawId"]),
            "type": "public-key",
            "response": {"clientDataJSON": b64url(response["clientDataJSON"]),
                         "authenticatorData": b64url(response["authenticatorData"]),
                         "signature": b64url(response["signature"])},
            "clientExtensionResults": {},
        }
        if response.get("userHandle"):
            result["response"]["userHandle"] = b64url(response["userHandle"])
        return result


def tamper_client_data(credential: dict, **changes) -> dict:
    """The credential with fields of its clientDataJSON changed (or replaced by raw bytes)."""
    raw = changes.pop("raw", None)
    if raw is None:
        data = json.loads(unb64url(credential["response"]["clientDataJSON"]))
        data.update(changes)
        raw = json.dumps(data).encode()
    response = {**credential["response"], "clientDataJSON": b64url(raw)}
    return {**credential, "response": response}


def enable(registry, **settings) -> dict:
    return contracts.enable(registry, "acme", PLUGIN, settings)


@pytest.fixture
def webauthn(registry, tenant, enable_plugin):
    """The plugin enabled for acme (passwordless off: the default)."""
    enable_plugin("acme", PLUGIN)
    return registry


@pytest.fixture
def passwordless(registry, tenant, enable_plugin):
    enable_plugin("acme", PLUGIN, {"passwordless": True})
    return registry


def register_key(testapp, headers: dict, key: Key | None = None, name: str = "Blue key",
                 slug: str = "acme") -> tuple[Key, dict]:
    """Register a (new) software key through the API; returns it and the API's answer."""
    key = key or Key()
    options = testapp.post(f"/api/v1/{slug}/mfa/webauthn/register/options", headers=headers).json
    answer = testapp.post_json(f"/api/v1/{slug}/mfa/webauthn/register",
                               {"name": name, "credential": key.register(options)},
                               headers=headers, status=201).json
    return key, answer


def api_headers(testapp, email: str = "staff@acme.test", slug: str = "acme") -> dict:
    return bearer(api_login(testapp, slug, email))


def start_login(testapp, email: str = "staff@acme.test", slug: str = "acme") -> str:
    """The password step of an API login of a user with a key: returns the mfa_token."""
    answer = testapp.post_json(f"/api/v1/{slug}/auth/login",
                               {"email": email, "password": PASSWORD}).json
    assert answer["mfa_required"] == ["webauthn"]
    return answer["mfa_token"]


def login_options(testapp, mfa_token: str, slug: str = "acme", status: int = 200):
    return testapp.post_json(f"/api/v1/{slug}/mfa/webauthn/login-options",
                             {"mfa_token": mfa_token}, status=status).json


def finish_mfa(testapp, mfa_token: str, credential: dict, slug: str = "acme", status="*"):
    return testapp.post_json(f"/api/v1/{slug}/auth/mfa",
                             {"mfa_token": mfa_token, "method": "webauthn",
                              "credential": credential}, status=status)


def age_sessions(registry, slug: str = "acme", minutes: int = 30) -> None:
    """Every session of the tenant began ``minutes`` ago: step-up is needed again.

    Passwords are set back too: a session older than its user's password is dead.
    """
    with tenant_request(registry, slug) as request:
        past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)
        request.tenant_db.execute(
            update(User).values(password_changed_at=past - dt.timedelta(seconds=1)))
        request.tenant_db.execute(update(AuthSession).values(created_at=past, data={}))


def expire_login_challenges(registry, slug: str = "acme") -> None:
    """Push this tenant's WebAuthn second-factor challenges into the past."""
    with tenant_request(registry, slug) as request:
        for challenge in request.tenant_db.scalars(select(LoginChallenge)):
            data = dict(challenge.data or {})
            if "webauthn" in data:
                data["webauthn"] = {**data["webauthn"], "expires_at": "2000-01-01T00:00:00+00:00"}
                challenge.data = data


def user_id(registry, email: str, slug: str = "acme") -> int:
    with tenant_request(registry, slug) as request:
        return request.tenant_db.scalars(select(User.id).where(User.email == email)).one()
