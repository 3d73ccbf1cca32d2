"""A new plugin's name, checked, and every name derived from it.

The plugin's name is its entry-point name, the prefix of its routes,
tables, revisions and audit events, and part of its Python package's name,
so it must be all of these at once: a lower-case Python identifier the
plugin host accepts, not already a plugin installed here, not a path the
core's console or API uses, and not a package already importable.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import keyword
from dataclasses import dataclass

from ..core.api import ROUTES as API_ROUTES
from ..core.console import CONSOLE_ROUTES
from ..core.plugins import ENTRY_POINT_GROUP, PLUGIN_NAME_RE


class ScaffoldError(ValueError):
    """The plugin cannot be generated as asked (a bad name, a folder in the way)."""


def _first_segment(path: str) -> str:
    return path.strip("/").split("/", 1)[0]


def core_path_segments() -> frozenset[str]:
    """The first path segments the core's console and API routes use under a tenant."""
    tenant_api = "/api/v1/{tenant}/"
    segments = {_first_segment(path) for _name, path in CONSOLE_ROUTES}
    segments |= {_first_segment(pattern.removeprefix(tenant_api))
                 for _name, pattern in API_ROUTES if pattern.startswith(tenant_api)}
    return frozenset(segment for segment in segments if segment)


def installed_plugin_names() -> frozenset[str]:
    return frozenset(ep.name for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))


@dataclass(frozen=True)
class PluginNames:
    """Everything the templates call the plugin, from its one name."""

    name: str            # entry point, route/table/revision prefix: "visit_log"
    package: str         # the Python package: "praxcloud_visit_log"
    distribution: str    # the distribution: "praxcloud-visit-log"
    url_name: str        # the path segment and asset prefix: "visit-log"
    title: str           # for people: "Visit log"
    class_prefix: str    # model and schema names: "VisitLog"
    camel_name: str      # operationIds: "visitLog"

    @classmethod
    def of(cls, name: str) -> PluginNames:
        words = name.split("_")
        class_prefix = "".join(word.capitalize() for word in words if word)
        return cls(
            name=name,
            package=f"praxcloud_{name}",
            distribution=f"praxcloud-{name.replace('_', '-')}",
            url_name=name.replace("_", "-"),
            title=" ".join(word for word in words if word).capitalize(),
            class_prefix=class_prefix,
            camel_name=class_prefix[0].lower() + class_prefix[1:],
        )

    def as_template_values(self) -> dict[str, str]:
        return dict(vars(self))


def check_name(name: str) -> PluginNames:
    """The names of plugin ``name``, or :class:`ScaffoldError` saying what is wrong with it."""
    if not (name.isidentifier() and PLUGIN_NAME_RE.match(name)) or "__" in name:
        raise ScaffoldError(
            f"invalid plugin name {name!r}: use lower-case letters, digits and single "
            "underscores, starting with a letter and not ending with an underscore "
            "(at most 64 characters)")
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise ScaffoldError(f"invalid plugin name {name!r}: it is a Python keyword")
    names = PluginNames.of(name)
    if name in installed_plugin_names():
        raise ScaffoldError(f"a plugin named {name!r} is already installed: choose another name")
    if names.url_name in core_path_segments():
        raise ScaffoldError(
            f"plugin name {name!r} would take the core's path /{{tenant}}/{names.url_name}: "
            "choose another name")
    if importlib.util.find_spec(names.package) is not None:
        raise ScaffoldError(
            f"a Python package named {names.package!r} is already importable here: "
            "choose another name")
    return names
