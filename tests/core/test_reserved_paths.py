"""Paths the platform itself uses never reach a tenant's console."""

import pytest


@pytest.mark.parametrize("path", ["/api/", "/api/login", "/static/", "/platform/records"])
def test_reserved_words_are_not_tenants(testapp, tenant, path):
    response = testapp.get(path, status=(303, 404))
    if response.status_int == 303:
        # /platform/... is the operators' console: it asks them to log in.
        assert "/platform/login" in response.location
    else:
        assert "acme" not in response.text
