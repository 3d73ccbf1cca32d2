"""The settings reference, generated from :class:`praxcloud.core.settings.PraxSettings`.

``python -m praxcloud.core.settings_doc > docs/settings.md`` writes docs/settings.md.

The dataclass is the single source: each key's type, default, group and
purpose. A test regenerates the reference and fails when docs/settings.md
differs, so the documentation cannot drift from what start-up accepts.
"""

from __future__ import annotations

import typing
from typing import Any, Literal

from .config import KNOWN_SETTINGS, env_name
from .settings import GROUPS, PLUGIN_PREFIX, SETTING_FIELDS, TYPES, key_of

INTRODUCTION = f"""\
Every `praxcloud.*` key of an ini file's `[app:main]` section is read once at
start-up (by the web application, the Celery worker and the `praxcloud`
command alike) into one typed object, `praxcloud.core.settings.PraxSettings`.
A key that is not listed here, or a value of the wrong type, stops the start
with a message naming the key, for example:

    SettingsError: praxcloud.hsst: unknown setting; did you mean praxcloud.hsts? ...

An empty value means "not set": the default applies. `true`/`false` also
accept `yes`/`no`, `on`/`off` and `1`/`0`.

Secrets stay out of the file: a value `env:NAME` is read from environment
variable `NAME` (a missing variable stops the start), and a variable
`PRAXCLOUD_<KEY>` (dots as underscores, upper case) overrides a key the file
names (and, for the keys that say so below, sets it though the file does not).

Keys of other prefixes (`pyramid.*`, `mail.*` for pyramid_mailer) belong to
those libraries and are not checked here.

## Plugins' own settings

A plugin's platform-wide ini settings are named
`{PLUGIN_PREFIX}<plugin>.<key>`, where `<plugin>` is the plugin's name (its
entry point). The core refuses no such key; the plugin reads its own with
`praxcloud.plugin.plugin_ini_settings(request_or_registry, "<plugin>")` (a
mapping of `<key>` to its text) and checks them in its `praxcloud_includeme`,
raising `praxcloud.plugin.SettingsError` for one it cannot use; such a plugin is
marked broken and tenants that enable it are refused, the rest of the
platform starts. A tenant's own settings for a plugin live in the database
(the plugin's settings schema), not here.
"""


def type_name(name: str) -> str:
    kind = TYPES[name]
    if typing.get_origin(kind) is Literal:
        return "one of " + ", ".join(f"`{choice}`" for choice in typing.get_args(kind))
    return {
        bool: "true/false",
        int: "whole number",
        int | None: "whole number",
        float: "number",
        str: "text",
        str | None: "text",
        tuple[str, ...]: "names",
    }[kind]


def default_text(value: Any) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, tuple):
        return "(none)" if not value else f"`{' '.join(value)}`"
    if value == "":
        return "(empty)"
    return f"`{value}`"


def purpose_text(item) -> str:
    notes = []
    if item.metadata["minimum"] is not None:
        notes.append(f"at least {item.metadata['minimum']}")
    if item.metadata["secret"]:
        notes.append("a secret: write `env:NAME` in the file")
    if key_of(item) in KNOWN_SETTINGS:
        notes.append(f"`{env_name(key_of(item))}` alone may set it")
    suffix = f" ({'; '.join(notes)})" if notes else ""
    return item.metadata["doc"] + suffix


def render() -> str:
    lines = [
        "# Settings reference",
        "",
        "<!-- Generated from praxcloud/core/settings/ by "
        "`python -m praxcloud.core.settings_doc > docs/settings.md`; do not edit by hand. -->",
        "",
        INTRODUCTION,
    ]
    for group in GROUPS:
        lines += ["", f"## {group}", "", "| key | type | default | purpose |", "|---|---|---|---|"]
        for item in SETTING_FIELDS.values():
            if item.metadata["group"] != group:
                continue
            lines.append(f"| `{key_of(item)}` | {type_name(item.name)} "
                         f"| {default_text(item.default)} "
                         f"| {purpose_text(item)} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    print(render(), end="")


if __name__ == "__main__":
    main()
