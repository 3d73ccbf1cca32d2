"""Fixtures of the built-in plugins' tests.

Every API answer a plugin test receives is held to the served OpenAPI
document, the core's operations and each installed plugin's part
(``praxcloud_openapi``), as the core's own API tests are.
"""

from __future__ import annotations

import pytest

from tests.api.conftest import OpenApiChecker, ValidatingTestApp


@pytest.fixture
def testapp(app):
    client = ValidatingTestApp(app, extra_environ={"HTTP_HOST": "localhost",
                                                   "REMOTE_ADDR": "127.0.0.1"})
    client.checker = OpenApiChecker(app.registry.openapi_document)
    return client
