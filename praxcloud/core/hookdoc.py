"""The hook reference, generated from the hookspecs.

``python -m praxcloud.core.hookdoc > docs/hooks.md`` writes docs/hooks.md.

hookspecs.py is the single source: each hook's name, signature, flags and
docstring. A test regenerates the reference and fails when docs/hooks.md
differs, so the documentation cannot drift from the contract.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

from . import hookspecs
from .hookspecs import PROJECT

# Parameters that tie a call to one tenant: such hooks reach only the
# plugins the tenant enables.
TENANT_PARAMETERS = ("request", "tenant", "tenant_db")


@dataclass(frozen=True)
class HookDoc:
    name: str
    signature: str
    firstresult: bool
    historic: bool
    per_tenant: bool
    doc: str


def hookspec_functions() -> list[Callable]:
    """The hookspecs, in the order hookspecs.py declares them."""
    marker = PROJECT + "_spec"
    return [value for name, value in vars(hookspecs).items()
            if name.startswith(PROJECT + "_") and callable(value) and hasattr(value, marker)]


def describe(function: Callable) -> HookDoc:
    opts = getattr(function, PROJECT + "_spec")
    signature = inspect.signature(function)
    return HookDoc(
        name=function.__name__,
        signature=f"{function.__name__}{signature}",
        firstresult=bool(opts.get("firstresult")),
        historic=bool(opts.get("historic")),
        per_tenant=any(p in signature.parameters for p in TENANT_PARAMETERS),
        doc=inspect.getdoc(function) or "",
    )


def all_hooks() -> list[HookDoc]:
    return [describe(function) for function in hookspec_functions()]


def render() -> str:
    hooks = all_hooks()
    lines = [
        "# Hook reference",
        "",
        "<!-- Generated from praxcloud/core/hookspecs.py by "
        "`python -m praxcloud.core.hookdoc > docs/hooks.md`; do not edit by hand. -->",
        "",
        inspect.getdoc(hookspecs) or "",
        "",
        "Implement a hook with the marker `praxcloud.core.hookspecs.hookimpl`; see",
        "[writing-plugins.md](writing-plugins.md) for a whole plugin.",
        "",
        "| hook | first result | called for |",
        "|---|---|---|",
    ]
    for hook in hooks:
        scope = "the tenant's enabled plugins" if hook.per_tenant else "every installed plugin"
        lines.append(f"| [`{hook.name}`](#{hook.name}) | {'yes' if hook.firstresult else 'no'} "
                     f"| {scope} |")
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
            "- called for: " + ("the plugins the tenant enables" if hook.per_tenant
                                else "every installed plugin, at start-up"),
        ]
        if hook.historic:
            lines.append("- historic: yes (also replayed for plugins registered later)")
        lines += ["", hook.doc]
    return "\n".join(lines) + "\n"


def main() -> None:
    print(render(), end="")


if __name__ == "__main__":
    main()
