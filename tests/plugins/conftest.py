"""Fixtures of the built-in plugins' tests.

Every API answer a plugin test receives is held to the served OpenAPI
document, the core's operations and each installed plugin's part
(``praxcloud_openapi``), as the core's own API tests are.
"""

from __future__ import annotations

import pytest

from praxcloud.testing.openapi import validating_client


@pytest.fixture
def testapp(app):
    return validating_client(app)
