"""Every operation of the OpenAPI document with concrete arguments, for matrix tests."""

from __future__ import annotations

from dataclasses import dataclass

from praxcloud.core.api.operations import openapi_document
from praxcloud.testing import PASSWORD

NEW_PASSWORD = "a brand new passphrase 42"

# A valid body for each request schema; a test fails when a schema has none.
VALID_BODIES = {
    "LoginRequest": {"email": "staff@acme.test", "password": PASSWORD},
    "MfaRequest": {"mfa_token": "x" * 43, "method": "totp", "code": "123456"},
    "ForgotPasswordRequest": {"email": "staff@acme.test"},
    "ResetPasswordRequest": {"token": "x" * 43, "password": NEW_PASSWORD},
    "ChangePasswordRequest": {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    "RecordInput": {"name": "Newly Made", "email": "new@example.org", "phone": "+41 44 000 00 00",
                    "date_of_birth": "1990-04-01", "notes": "n", "fields": {"room": "12"}},
    "UserInput": {"email": "newbie@acme.test", "groups": ["staff"], "display_name": "Newbie",
                  "password": NEW_PASSWORD},
    "UserChange": {"display_name": "Renamed"},
    "ReauthRequest": {"password": PASSWORD},
}


@dataclass(frozen=True)
class Operation:
    op_id: str
    method: str
    template: str
    secured: bool
    body_schema: str | None
    has_id: bool

    def url(self, tenant: str = "acme", id_: int | str = 1) -> str:
        return self.template.replace("{tenant}", tenant).replace("{id}", str(id_))

    @property
    def body(self) -> dict | None:
        return None if self.body_schema is None else dict(VALID_BODIES[self.body_schema])

    def __str__(self) -> str:
        return self.op_id


def operations() -> list[Operation]:
    found = []
    for template, methods in openapi_document()["paths"].items():
        for method, spec in methods.items():
            body = spec.get("requestBody")
            schema = None
            if body:
                schema = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
            found.append(Operation(spec["operationId"], method.upper(), template,
                                   bool(spec.get("security")), schema, "{id}" in template))
    return found


TENANT_OPERATIONS = [op for op in operations() if "{tenant}" in op.template]
SECURED = [op for op in TENANT_OPERATIONS if op.secured]
UNSECURED = [op for op in TENANT_OPERATIONS if not op.secured]
WITH_BODY = [op for op in TENANT_OPERATIONS if op.body_schema]


def call(testapp, op: Operation, url: str, headers: dict | None = None, body=None,
         status="*"):
    """Send ``op`` to ``url`` with its valid body (or ``body``)."""
    headers = dict(headers or {})
    payload = op.body if body is None else body
    method = op.method.lower()
    if payload is not None:
        return getattr(testapp, method + "_json")(url, payload, headers=headers, status=status)
    return getattr(testapp, method)(url, headers=headers, status=status)
