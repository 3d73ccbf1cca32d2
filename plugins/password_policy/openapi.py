"""The plugin's part of the API's OpenAPI document (the ``praxcloud_openapi`` hook)."""

from __future__ import annotations

from praxcloud.plugin import (
    OpenApiPart,
    api_route_patterns,
    json_response,
    operation,
)

from .config import MAX_HISTORY
from .routes import API_ROUTES

PATH = api_route_patterns(API_ROUTES)

SCHEMAS = {
    "PasswordPolicy": {
        "type": "object",
        "description": "What the caller's next password must meet. Common and leaked "
                       "passwords are always refused; every rule broken is named at once in "
                       "a 422 `password_rejected` answer.",
        "required": ["min_length", "max_length", "require_digit", "require_upper",
                     "require_special", "history_count", "expire_days", "expires_at",
                     "context_words_refused", "breach_list"],
        "additionalProperties": False,
        "properties": {
            "min_length": {"type": "integer", "minimum": 8,
                           "description": "Characters at least (after NFKC normalisation): 15 "
                                          "for a password alone, 8 with a required second "
                                          "factor, unless the tenant set its own"},
            "max_length": {"type": "integer", "minimum": 64, "maximum": 1024},
            "require_digit": {"type": "boolean"},
            "require_upper": {"type": "boolean"},
            "require_special": {"type": "boolean",
                                "description": "A character that is not a letter or digit"},
            "history_count": {"type": "integer", "minimum": 0, "maximum": MAX_HISTORY,
                              "description": "The current password and the ones before it, "
                                             "this many in all, are refused; 0: no history"},
            "expire_days": {"type": "integer", "minimum": 0,
                            "description": "A password must be changed after this many days; "
                                         "0: never"},
            "expires_at": {"type": ["string", "null"], "format": "date-time",
                           "description": "When the caller's password expires; null: never "
                                          "(or no local password)"},
            "context_words_refused": {"type": "boolean",
                                      "description": "The caller's e-mail address, name and "
                                                     "the organisation's name are refused"},
            "breach_list": {"type": "boolean",
                            "description": "Passwords are also checked against a local copy "
                                           "of the Pwned Passwords list"},
        },
    },
}

PATHS = {
    PATH["password_policy.api"]: {
        "get": operation("The rules the caller's next password must meet",
                         {"200": json_response("PasswordPolicy")}, op_id="passwordPolicy"),
    },
}


def openapi_part() -> OpenApiPart:
    return {"paths": PATHS, "schemas": SCHEMAS}
