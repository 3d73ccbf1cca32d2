"""The built wheel: a clean build that carries every template, asset and migration.

The console's templates, assets and the alembic environments live in
directories without ``__init__.py``. Declared wrongly, setuptools warns
"Package would be ignored" for each of them (and a future setuptools drops
them from the wheel); declared as namespace packages, they are package data.
Built from a copy of the sources, with the venv's own setuptools (no
network), so the worktree gets no build/ or egg-info directories.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("praxcloud", "plugins", "setup.cfg", "pyproject.toml", "README.md")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")


def shipped_files() -> set[str]:
    """Every file of the two top-level packages, as a path inside the wheel."""
    return {
        path.relative_to(ROOT).as_posix()
        for top in ("praxcloud", "plugins")
        for path in (ROOT / top).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


@pytest.mark.packaging
def test_wheel_builds_without_warnings_and_holds_the_data_files(tmp_path):
    source = tmp_path / "src"
    for name in SOURCES:
        original = ROOT / name
        if original.is_dir():
            shutil.copytree(original, source / name, ignore=IGNORED)
        else:
            shutil.copy2(original, source / name)
    out = tmp_path / "wheel"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--verbose", "-w", str(out), str(source)],
        capture_output=True, text=True, timeout=300, check=False)
    log = build.stdout + build.stderr
    assert build.returncode == 0, log[-4000:]
    assert "would be ignored" not in log, log[-4000:]
    (wheel,) = out.glob("praxcloud-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(shipped_files() - names)
    assert missing == [], missing
    # The kinds of data the running app reads from the package, named outright.
    for expected in ("praxcloud/core/templates/console/base.jinja2",
                     "praxcloud/core/assets/console.css",
                     "praxcloud/core/migrations/tenant/script.py.mako",
                     "praxcloud/core/migrations/tenant/versions/0001_initial_tenant_schema.py",
                     "plugins/mfa_webauthn/static/webauthn.css"):
        assert expected in names
