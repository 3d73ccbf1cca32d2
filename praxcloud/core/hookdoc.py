"""The hook reference, generated from the hookspecs.

``python -m praxcloud.core.hookdoc > docs/hooks.md`` writes docs/hooks.md.

hookspecs.py is the single source: each hook's name, signature, flags and
docstring; hook_types.py gives the shapes of the answers (each typed dict
with its keys, their types and the docstring under each key). A test
regenerates the reference and fails when docs/hooks.md differs, so the
documentation cannot drift from the contract.
"""

from __future__ import annotations

import ast
import inspect
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import hook_types, hookspecs
from .hookspecs import PROJECT

# Parameters that tie a call to one tenant: such hooks reach only the
# plugins the tenant enables.
TENANT_PARAMETERS = ("request", "tenant", "tenant_db")
# Hooks about one plugin's own contract line: the core calls that plugin only.
OWN_PLUGIN_ONLY = frozenset({"praxcloud_tenant_enabled", "praxcloud_tenant_disabled",
                             "praxcloud_plugin_settings_changed"})
# Hooks with a request but no tenant: asked of every installed plugin, at each request.
EVERY_PLUGIN_PER_REQUEST = frozenset({"praxcloud_platform_menu_links"})


@dataclass(frozen=True)
class HookDoc:
    name: str
    signature: str
    firstresult: bool
    historic: bool
    per_tenant: bool
    own_plugin: bool
    doc: str

    @property
    def scope(self) -> str:
        if self.own_plugin:
            return "the plugin concerned"
        return "the tenant's enabled plugins" if self.per_tenant else "every installed plugin"


def hookspec_functions() -> list[Callable]:
    """The hookspecs, in the order hookspecs.py declares them."""
    marker = PROJECT + "_spec"
    return [value for name, value in vars(hookspecs).items()
            if name.startswith(PROJECT + "_") and callable(value) and hasattr(value, marker)]


def _annotation(value) -> str:
    # hookspecs.py postpones annotations: they are the source text, shown as written.
    return value if isinstance(value, str) else inspect.formatannotation(value)


def _signature(function: Callable) -> str:
    signature = inspect.signature(function)
    params = [name if p.annotation is p.empty else f"{name}: {_annotation(p.annotation)}"
              for name, p in signature.parameters.items()]
    result = ("" if signature.return_annotation is signature.empty
              else f" -> {_annotation(signature.return_annotation)}")
    one_line = f"{function.__name__}({', '.join(params)}){result}"
    if len(one_line) <= 88:
        return one_line
    # As a formatter would wrap it: one parameter a line.
    wrapped = "".join(f"\n    {param}," for param in params)
    return f"{function.__name__}({wrapped}\n){result}"


def describe(function: Callable) -> HookDoc:
    opts = getattr(function, PROJECT + "_spec")
    signature = inspect.signature(function)
    return HookDoc(
        name=function.__name__,
        signature=_signature(function),
        firstresult=bool(opts.get("firstresult")),
        historic=bool(opts.get("historic")),
        per_tenant=(any(p in signature.parameters for p in TENANT_PARAMETERS)
                    and function.__name__ not in EVERY_PLUGIN_PER_REQUEST),
        own_plugin=function.__name__ in OWN_PLUGIN_ONLY,
        doc=inspect.getdoc(function) or "",
    )


def all_hooks() -> list[HookDoc]:
    return [describe(function) for function in hookspec_functions()]


@dataclass(frozen=True)
class KeyDoc:
    name: str
    type: str
    required: bool
    doc: str


@dataclass(frozen=True)
class TypeDoc:
    name: str
    doc: str
    keys: list[KeyDoc]


def _key_docstrings(cls: type) -> dict[str, str]:
    """The string written under each key of a class in hook_types.py (attribute docstrings)."""
    tree = ast.parse(Path(hook_types.__file__).read_text(encoding="utf-8"))
    body = next(node.body for node in tree.body
                if isinstance(node, ast.ClassDef) and node.name == cls.__name__)
    docs = {}
    for node, following in zip(body, body[1:], strict=False):
        if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                and isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)):
            docs[node.target.id] = inspect.cleandoc(following.value.value)
    return docs


def _type_text(value) -> str:
    if isinstance(value, type) and not typing.get_args(value):
        return value.__name__
    return re.sub(r"\btyping\.|\bdatetime\.", "", repr(value))


def describe_type(cls: type) -> TypeDoc:
    hints = typing.get_type_hints(cls)
    docs = _key_docstrings(cls)
    return TypeDoc(
        name=cls.__name__,
        doc=inspect.getdoc(cls) or "",
        keys=[KeyDoc(key, _type_text(hint), key in cls.__required_keys__, docs.get(key, ""))
              for key, hint in hints.items()],
    )


def all_types() -> list[TypeDoc]:
    return [describe_type(getattr(hook_types, name)) for name in hook_types.__all__]


def _types_used(hook: HookDoc, types: list[TypeDoc]) -> list[str]:
    return [t.name for t in types if re.search(rf"\b{t.name}\b", hook.signature)]


def _anchor(name: str) -> str:
    return name.lower()


def render() -> str:
    hooks = all_hooks()
    types = all_types()
    lines = [
        "# Hook reference",
        "",
        "<!-- Generated from praxcloud/core/hookspecs.py by "
        "`python -m praxcloud.core.hookdoc > docs/hooks.md`; do not edit by hand. -->",
        "",
        inspect.getdoc(hookspecs) or "",
        "",
        "Implement a hook with the marker `praxcloud.plugin.hookimpl`; see",
        "[writing-plugins.md](writing-plugins.md) for a whole plugin. The shapes of the",
        "answers are typed dicts exported by `praxcloud.plugin`, listed under",
        "[Answer types](#answer-types) below.",
        "",
        "| hook | first result | called for |",
        "|---|---|---|",
    ]
    for hook in hooks:
        lines.append(f"| [`{hook.name}`](#{hook.name}) | {'yes' if hook.firstresult else 'no'} "
                     f"| {hook.scope} |")
    for hook in hooks:
        lines += [
            "",
            f"## {hook.name}",
            "",
            "```python",
            f"@hookimpl\ndef {hook.signature}:",
            "```",
            "",
            "- first result: " + ("yes (the first answer that is not None wins)"
                                  if hook.firstresult else "no (every answer is collected)"),
            "- called for: " + ("only the plugin whose contract line it concerns"
                                if hook.own_plugin else "the plugins the tenant enables"
                                if hook.per_tenant else "every installed plugin, at each request"
                                if hook.name in EVERY_PLUGIN_PER_REQUEST
                                else "every installed plugin, at start-up"),
        ]
        if hook.historic:
            lines.append("- historic: yes (also replayed for plugins registered later)")
        used = _types_used(hook, types)
        if used:
            lines.append("- answer types: " + ", ".join(f"[`{name}`](#{_anchor(name)})"
                                                        for name in used))
        lines += ["", hook.doc]
    lines += [
        "",
        "# Answer types",
        "",
        inspect.getdoc(hook_types) or "",
    ]
    for shape in types:
        users = [hook.name for hook in hooks if shape.name in _types_used(hook, types)]
        lines += [
            "",
            f"## {shape.name}",
            "",
            shape.doc,
            "",
            "Returned by: " + ", ".join(f"[`{name}`](#{name})" for name in users) + ".",
            "",
            "| key | type | required | meaning |",
            "|---|---|---|---|",
        ]
        for key in shape.keys:
            meaning = " ".join(key.doc.split()).replace("|", "\\|")
            kind = key.type.replace("|", "\\|")
            lines.append(f"| `{key.name}` | `{kind}` | {'yes' if key.required else 'no'} "
                         f"| {meaning} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    print(render(), end="")


if __name__ == "__main__":
    main()
