"""Schemathesis fuzzes every operation of the OpenAPI document in-process.

Valid and invalid inputs, generated from the document, with a fresh admin
token for each case (so that a generated logout or revocation does not end
the run's credentials): no answer may be a 5xx, and each must match the
document (a documented status, a body of the documented schema).
"""

from __future__ import annotations

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode

from praxcloud.core import contracts
from praxcloud.core.models import KIND_API, User
from praxcloud.core.scripting import tenant_request
from praxcloud.core.security import tenant_sessions

EXAMPLES = 12
# The installed plugins with JSON endpoints, enabled for the fuzzed tenant.
PLUGINS = {"mfa_totp": {}, "mfa_webauthn": {"passwordless": True}, "hello": {}}
# Operations a generated case may use to end the admin's session (or password):
# each of their cases gets a token of its own; the others share one.
ENDS_SESSIONS = {"POST /api/v1/{tenant}/auth/logout", "DELETE /api/v1/{tenant}/sessions/{id}",
                 "POST /api/v1/{tenant}/me/password", "PATCH /api/v1/{tenant}/users/{id}",
                 "DELETE /api/v1/{tenant}/users/{id}/sessions"}
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


def fresh_admin_token(registry) -> str:
    with tenant_request(registry, "acme") as request:
        admin = request.tenant_db.get(User, 1)
        token, _ = tenant_sessions(request).create(admin, KIND_API, "127.0.0.1", "fuzz")
    return token


def has_anything_to_break(operation) -> bool:
    """Whether an invalid request can be made: a body, a parameter besides the tenant, a token.

    A public operation without either (passkey options) has no wrong input.
    """
    parameters = [p for p in operation.iter_parameters() if p.name != "tenant"]
    return bool(parameters or operation.body or operation.definition.raw.get("security"))


class Fuzzer:
    """Runs the cases of one operation after another with an admin token on each."""

    def __init__(self, registry):
        self.registry = registry
        self.token: str | None = None
        self.calls = 0

    def fuzz(self, operation, strategy) -> None:
        @hypothesis.settings(max_examples=EXAMPLES, deadline=None, database=None,
                             derandomize=True, phases=[Phase.explicit, Phase.generate],
                             suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def run(case):
            if self.token is None or operation.label in ENDS_SESSIONS:
                self.token = fresh_admin_token(self.registry)
            headers = {"Authorization": f"Bearer {self.token}", "Host": "localhost"}
            case.call_and_validate(headers=headers, checks=CHECKS)
            self.calls += 1

        run()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                         ids=["valid", "invalid"])
def test_fuzz_every_operation(app, tenant, registry, mode):
    # The installed plugins' operations are fuzzed too, on a tenant that uses them.
    for plugin, settings in PLUGINS.items():
        contracts.enable(registry, "acme", plugin, settings)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    # Schemathesis leaves out the document's own path; everything else is fuzzed.
    assert {op.label for op in operations} == {
        f"{method.upper()} {path}" for path, methods in registry.openapi_document["paths"].items()
        for method in methods if path != "/api/v1/openapi.json"}
    fuzzer = Fuzzer(registry)
    for operation in operations:
        has_tenant = any(p.name == "tenant" for p in operation.path_parameters)
        if mode == GenerationMode.NEGATIVE and not has_anything_to_break(operation):
            continue
        fuzzer.fuzz(operation, operation.as_strategy(
            generation_mode=mode, path_parameters={"tenant": "acme"} if has_tenant else None))
    assert fuzzer.calls >= len(operations)
