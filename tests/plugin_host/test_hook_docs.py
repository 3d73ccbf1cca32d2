"""Meta-tests of the hook contract: documented, reference up to date, and really called.

Modelled on datasette's tests/test_docs.py: the hookspecs are the
documentation, docs/hooks.md is generated from them, and a hook the core
declares but never calls is a promise to plugin authors that nothing keeps.
"""

from __future__ import annotations

import re
from pathlib import Path

import pluggy

import praxcloud.plugin as public
from praxcloud.core import hook_types, hookspecs
from praxcloud.core.hookdoc import all_hooks, all_types, render

ROOT = Path(__file__).resolve().parents[2]
HOOKS_MD = ROOT / "docs" / "hooks.md"
REGENERATE = "regenerate it: python -m praxcloud.core.hookdoc > docs/hooks.md"

# Hooks whose only caller lives outside praxcloud/, with where and why.
# Empty: the core calls every hook it declares.
CALLED_ELSEWHERE: dict[str, str] = {
    # The right to be forgotten is the anonymiser plugin's (P9); the core only declares it.
    "praxcloud_erase_person": "plugins/anonymiser/erasure.py",
}


def test_every_hookspec_is_found_and_prefixed():
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    declared = {name for name in vars(pm.hook) if not name.startswith("_")}
    assert {hook.name for hook in all_hooks()} == declared
    assert all(name.startswith("praxcloud_") for name in declared)


def test_every_hookspec_has_a_docstring():
    undocumented = [hook.name for hook in all_hooks() if len(hook.doc.split()) < 5]
    assert undocumented == [], "hookspecs without a real docstring"


def test_hooks_md_is_generated_from_the_hookspecs():
    assert HOOKS_MD.exists(), REGENERATE
    assert HOOKS_MD.read_text(encoding="utf-8") == render(), REGENERATE


def core_source() -> str:
    core = ROOT / "praxcloud" / "core"
    skip = {core / "hookspecs.py", core / "hookdoc.py"}
    return "\n".join(path.read_text(encoding="utf-8")
                     for path in sorted((ROOT / "praxcloud").rglob("*.py")) if path not in skip)


def test_every_declared_hook_is_called_by_the_core():
    source = core_source()
    uncalled = [
        hook.name for hook in all_hooks()
        if hook.name not in CALLED_ELSEWHERE
        # hooks.praxcloud_x(...), pm.hook.praxcloud_x.get_hookimpls(), getattr(p, "praxcloud_x")
        and not re.search(rf"\.{hook.name}\b|[\"']{hook.name}[\"']", source)
    ]
    assert uncalled == [], "hooks declared in hookspecs.py that nothing in praxcloud/ calls"


def test_called_elsewhere_names_real_hooks():
    assert set(CALLED_ELSEWHERE) <= {hook.name for hook in all_hooks()}


def test_every_answer_type_is_used_by_a_hook_and_every_key_explained():
    hooks = all_hooks()
    for shape in all_types():
        assert any(re.search(rf"\b{shape.name}\b", hook.signature) for hook in hooks), shape.name
        unexplained = [key.name for key in shape.keys if not key.doc]
        assert unexplained == [], f"{shape.name}: keys without a docstring under them"


def test_the_answer_types_are_public():
    assert set(hook_types.__all__) <= set(public.__all__)
