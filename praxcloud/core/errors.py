"""Errors with a status and a machine-readable code, and their JSON shape.

Every error a person may be told about is a :class:`PraxError`: a ``code``
(snake_case, for programs), a ``message`` (lower case, for a person), the
HTTP ``status`` and ``fields`` (a message per field at fault). Raised and
not caught, it answers the API as ``{"error": {"code", "message", "fields"}}``
(``api/errors.py``); in a console view whose ``form_error=`` page builder
is set, it re-renders the form with :meth:`PraxError.form_message`
(``console/form_errors.py``). Views therefore raise, and never translate
one exception into another answer by hand.
"""

from __future__ import annotations

from pyramid.response import Response

from .forms import sentence


class PraxError(Exception):
    """The base of every error the API and the console answer with a code and a message.

    Subclasses set ``code``, ``status`` and a default ``message`` as class
    attributes; an instance may override each.
    """

    code = "error"
    status = 400
    message = "the request cannot be done"
    # False for errors that have a page of their own in the console (an
    # unavailable tenant, a password to confirm), never a form message.
    shown_on_form = True

    def __init__(self, message: str | None = None, *, code: str | None = None,
                 status: int | None = None, fields: dict | None = None,
                 headers: dict | None = None):
        if message is not None:
            self.message = message
        super().__init__(self.message)
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.fields = fields or {}
        self.headers = headers or {}

    def body(self) -> dict:
        """The API's ``{"error": {...}}`` body for this error."""
        return error_body(self.code, self.message, self.fields)

    def json_response(self) -> Response:
        """The API's answer: the body, the status and any headers (``Retry-After``)."""
        return json_error(self.status, self.code, self.message, self.fields, self.headers)

    def form_message(self) -> str:
        """The message above a console form: the same words, as a sentence."""
        return sentence(self.message)


class ApiError(PraxError):
    """An error named where it is raised: ``ApiError(code, message, status, fields, headers)``."""

    def __init__(self, code: str, message: str, status: int | None = None,
                 fields: dict | None = None, headers: dict | None = None):
        super().__init__(message, code=code, status=status, fields=fields, headers=headers)


class TenantUnavailable(ApiError):
    """The tenant exists but may not be served now (suspended, broken plugin)."""

    shown_on_form = False  # the console shows its own page (console/error_views.py)


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def json_error(status: int, code: str, message: str, fields: dict | None = None,
               headers: dict | None = None) -> Response:
    response = Response(json=error_body(code, message, fields), status=status,
                        content_type="application/json", charset="utf-8")
    for name, value in (headers or {}).items():
        response.headers[name] = str(value)
    return response


class SharedStateError(RuntimeError):
    """The shared store could not answer; callers must treat this as a refusal."""
