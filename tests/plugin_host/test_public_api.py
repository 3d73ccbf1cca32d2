"""The public plugin API holds: plugins import only ``praxcloud.plugin``; each name documented.

``praxcloud.core`` may be rearranged between releases; a plugin that reached
into it would break silently. The built-in plugins and the example
third-party plugin are held to the same rule as another team's plugin.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import praxcloud.plugin as public
import praxcloud.plugin.totp as public_totp
import praxcloud.plugin.webauthn as public_webauthn

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_SOURCES = sorted([*(ROOT / "plugins").rglob("*.py"),
                         *(ROOT / "tests" / "third_party_plugin").rglob("*.py")])
GUIDE = ROOT / "docs" / "writing-plugins.md"


def core_imports(path: Path, root: Path = ROOT) -> list[str]:
    """``praxcloud.core`` modules a source file imports, with their line numbers."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found += [f"{path.relative_to(root)}:{node.lineno}: {name}" for name in names
                  if name == "praxcloud.core" or name.startswith("praxcloud.core.")]
    return found


def test_the_sources_are_found():
    assert any(p.parts[-2:] == ("mfa_totp", "service.py") for p in PLUGIN_SOURCES)
    assert any(p.name == "views.py" and "praxcloud_hello" in p.parts for p in PLUGIN_SOURCES)


def test_no_plugin_imports_the_core_directly():
    offences = [line for path in PLUGIN_SOURCES for line in core_imports(path)]
    assert offences == [], "import these from praxcloud.plugin instead:\n" + "\n".join(offences)


def test_the_guard_sees_a_core_import(tmp_path):
    source = tmp_path / "bad.py"
    source.write_text("import praxcloud.core.auth\nfrom praxcloud.core import mfa\n"
                      "from praxcloud.plugin import hookimpl\n")
    assert core_imports(source, root=tmp_path) == [
        "bad.py:1: praxcloud.core.auth", "bad.py:2: praxcloud.core", "bad.py:2: praxcloud.core.mfa"]


@pytest.mark.parametrize("module", [public, public_totp, public_webauthn],
                         ids=lambda m: m.__name__)
def test_every_exported_name_exists(module):
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert missing == []
    assert len(set(module.__all__)) == len(module.__all__)


def documented_names() -> set[str]:
    """Names in the guide's "The public API" tables: rows that start with a `name`."""
    text = GUIDE.read_text()
    section = text.split("## The public API", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Za-z_][A-Za-z0-9_.]*)`", section, flags=re.M))


def test_every_public_name_is_documented_and_nothing_else():
    exported = set(public.__all__)
    exported |= {f"totp.{name}" for name in public_totp.__all__}
    exported |= {f"webauthn.{name}" for name in public_webauthn.__all__}
    documented = documented_names()
    assert sorted(exported - documented) == [], "exported but not documented"
    assert sorted(documented - exported) == [], "documented but not exported"


def test_the_guide_names_the_core_tenant_migration_head():
    head = public.core_tenant_head()
    assert f"which\nis `{head}` in this release" in GUIDE.read_text()


def test_tenant_helpers_keep_tenants_and_plugins_apart(registry, make_tenant):
    make_tenant("acme")
    make_tenant("beta")
    with public.tenant_request(registry, "acme") as acme:
        acme_key = public.tenant_key(acme, "hello/secrets")
        assert len(acme_key) == 32
        assert public.tenant_key(acme, "hello/other") != acme_key
        sealed = public.seal(acme_key, b"secret", b"hello/row:1")
        with pytest.raises(public.SealedValueError):
            public.unseal(acme_key, sealed, b"hello/row:2")
        public.tenant_shared_state(acme, "hello").incr("visits", 60)
        public.tenant_shared_state(acme, "hello").incr("visits", 60)
        assert public.tenant_shared_state(acme, "other").get("visits") is None
    with public.tenant_request(registry, "beta") as beta:
        assert public.tenant_key(beta, "hello/secrets") != acme_key
        assert public.tenant_shared_state(beta, "hello").get("visits") is None
    with public.tenant_request(registry, "acme") as acme:
        assert public.tenant_shared_state(acme, "hello").get("visits") == "2"
