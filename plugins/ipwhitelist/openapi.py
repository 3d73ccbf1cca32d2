"""The plugin's part of the API's OpenAPI document (the ``praxcloud_openapi`` hook)."""

from __future__ import annotations

from praxcloud.plugin import OpenApiPart, error_response, json_response, operation

from .api_views import CHANGE, NETWORKS
from .routes import API_ROUTES

PATH = API_ROUTES["ipwhitelist.api"][0]

SCHEMAS = {
    "AllowedNetworks": {
        "type": "object", "required": ["console_networks", "api_networks", "your_address"],
        "additionalProperties": False,
        "properties": {"console_networks": NETWORKS, "api_networks": NETWORKS,
                       "your_address": {"type": ["string", "null"],
                                        "description": "The caller's address as the checks "
                                                       "see it"}},
    },
    "AllowedNetworksChange": CHANGE,
}

PATHS = {PATH: {
    "get": operation("The networks the tenant's console and API answer",
                     {"200": json_response("AllowedNetworks")}, op_id="allowedNetworks"),
    "put": operation(
        "Replace both lists (empty: every address)",
        {"200": json_response("AllowedNetworks"),
         "409": error_response("`would_lock_out`: the console list leaves out the caller's "
                               "address and `confirm_lockout` is not true"),
         "422": error_response("The body does not validate, or an entry is not an address "
                               "or network")},
        op_id="allowedNetworksChange", body="AllowedNetworksChange"),
}}


def openapi_part() -> OpenApiPart:
    return {"paths": PATHS, "schemas": SCHEMAS}
