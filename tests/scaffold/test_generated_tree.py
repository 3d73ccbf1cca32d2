"""What `praxcloud plugin new` writes: every file, filled in, valid Python on the public API."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

from jsonschema import Draft202012Validator

from praxcloud.plugin import core_tenant_head
from praxcloud.scaffold import render_plugin
from praxcloud.scaffold.names import PluginNames

from .conftest import NAME, PACKAGE

ROOT = Path(__file__).resolve().parents[2]

EXPECTED_FILES = {
    ".gitignore",
    "README.md",
    "pyproject.toml",
    f"{PACKAGE}/__init__.py",
    f"{PACKAGE}/api_views.py",
    f"{PACKAGE}/config.py",
    f"{PACKAGE}/console_views.py",
    f"{PACKAGE}/entries.py",
    f"{PACKAGE}/migrations/{NAME}_0001_entries.py",
    f"{PACKAGE}/models.py",
    f"{PACKAGE}/openapi.py",
    f"{PACKAGE}/static/style.css",
    f"{PACKAGE}/tasks.py",
    f"{PACKAGE}/templates/{NAME}.jinja2",
    "tests/conftest.py",
    f"tests/test_{NAME}.py",
}
# What generated code may import besides the standard library and itself.
THIRD_PARTY = {"alembic", "pyramid", "pytest", "sqlalchemy"}


def files_of(root: Path) -> set[str]:
    return {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}


def python_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    """Absolute module names a file imports (relative imports are the plugin's own)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.add(node.module)
    return found


def test_the_generated_tree_is_complete_and_filled_in(generated):
    assert files_of(generated) == EXPECTED_FILES
    for path in generated.rglob("*"):
        if path.is_file():
            text = path.read_text()
            # No placeholder left: neither the template's ${...} nor its path tokens.
            assert "${" not in text and "PACKAGE" not in text, path


def test_the_generated_python_compiles_and_passes_the_linter(generated):
    for path in python_files(generated):
        compile(path.read_text(), str(path), "exec")
    ruff = Path(sys.executable).with_name("ruff")
    lint = subprocess.run(
        [str(ruff), "check", "--isolated", "--line-length", "100",
         "--select", "E,F,W,B,UP", "--target-version", "py311", str(generated)],
        capture_output=True, text=True, check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_the_generated_code_imports_only_the_public_api(generated):
    allowed_stdlib = set(sys.stdlib_module_names)
    for path in python_files(generated):
        in_tests = path.relative_to(generated).parts[0] == "tests"
        public = {"praxcloud.plugin", "praxcloud.testing"} if in_tests else {"praxcloud.plugin"}
        for module in imported_modules(path):
            top = module.split(".")[0]
            if top == "praxcloud":
                assert module in public, f"{path.name} imports {module}"
            elif top == PACKAGE:
                assert in_tests, f"{path.name} imports its own package absolutely"
            else:
                assert top in allowed_stdlib | THIRD_PARTY | {"__future__"}, (
                    f"{path.name} imports {module}")


def test_the_distribution_registers_the_entry_point_and_ships_its_data(generated):
    project = tomllib.loads((generated / "pyproject.toml").read_text())
    assert project["project"]["name"] == "praxcloud-visit-log"
    assert project["project"]["dependencies"] == ["praxcloud"]
    assert project["project"]["entry-points"]["praxcloud.plugins"] == {NAME: PACKAGE}
    package_data = project["tool"]["setuptools"]["package-data"][PACKAGE]
    assert set(package_data) == {"migrations/*.py", "templates/*.jinja2", "static/*.css"}


def test_the_first_migration_starts_the_plugin_branch_on_the_core_head(generated):
    migration = generated / PACKAGE / "migrations" / f"{NAME}_0001_entries.py"
    values = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in ast.parse(migration.read_text()).body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    }
    assert values == {"revision": f"{NAME}_0001", "down_revision": None,
                      "branch_labels": (NAME,), "depends_on": core_tenant_head()}


def test_the_settings_schema_is_valid_and_its_defaults_match_it(generated):
    namespace: dict = {}
    exec(compile((generated / PACKAGE / "config.py").read_text(), "config.py", "exec"),  # noqa: S102 - our own generated file
         namespace)
    schema = namespace["SETTINGS_SCHEMA"]
    Draft202012Validator.check_schema(schema)
    defaults = {key: prop["default"] for key, prop in schema["properties"].items()}
    assert defaults == {"title": "Visit log", "retention_days": 30}
    assert list(Draft202012Validator(schema).iter_errors(defaults)) == []
    assert namespace["NAME"] == NAME


def test_names_derived_for_a_multi_word_plugin():
    names = PluginNames.of("ip_allow_list")
    assert (names.package, names.distribution, names.url_name, names.title,
            names.class_prefix, names.camel_name) == (
        "praxcloud_ip_allow_list", "praxcloud-ip-allow-list", "ip-allow-list",
        "Ip allow list", "IpAllowList", "ipAllowList")
    rendered = render_plugin(names)
    openapi = next(text for path, text in rendered.items() if path.name == "openapi.py")
    assert '"/api/v1/{tenant}/ip-allow-list"' in openapi
    assert 'op_id="ipAllowListCreateEntry"' in openapi


def test_the_guide_names_every_generated_file(generated):
    guide = (ROOT / "docs" / "writing-plugins.md").read_text()
    section = guide.split("## Start from the scaffold", 1)[1].split("\n## ", 1)[0]
    for relative in sorted(files_of(generated) - {".gitignore"}):
        assert Path(relative).name in section, f"docs/writing-plugins.md does not name {relative}"
