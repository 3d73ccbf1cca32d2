"""Errors with a status and a machine-readable code, and their JSON shape.

The API answers every error as ``{"error": {"code", "message", "fields"}}``.
"""

from __future__ import annotations

from pyramid.response import Response


class ApiError(Exception):
    status = 400

    def __init__(self, code: str, message: str, status: int | None = None,
                 fields: dict | None = None, headers: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.headers = headers or {}
        if status is not None:
            self.status = status


class TenantUnavailable(ApiError):
    """The tenant exists but may not be served now (suspended, broken plugin)."""


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def json_error(status: int, code: str, message: str, fields: dict | None = None,
               headers: dict | None = None) -> Response:
    response = Response(json=error_body(code, message, fields), status=status,
                        content_type="application/json", charset="utf-8")
    for name, value in (headers or {}).items():
        response.headers[name] = str(value)
    return response
