"""Installing the praxcloud-hello example plugin into the running interpreter's environment.

A real ``pip install`` of tests/third_party_plugin, so that the plugin is
found exactly as a third party's would be: through its distribution's
entry point, by importlib.metadata. Skipped when the installed copy already
matches the source, so repeated test runs stay fast.
"""

from __future__ import annotations

import configparser
import importlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "third_party_plugin"
DISTRIBUTION = "praxcloud-hello"
PACKAGE = "praxcloud_hello"


def source_version() -> str:
    parser = configparser.ConfigParser()
    parser.read(SOURCE / "setup.cfg")
    return parser["metadata"]["version"]


def installed_matches_source() -> bool:
    try:
        dist = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return False
    if dist.version != source_version():
        return False
    for source in sorted((SOURCE / PACKAGE).rglob("*")):
        if not source.is_file() or "__pycache__" in source.parts:
            continue
        relative = source.relative_to(SOURCE).as_posix()
        installed = Path(dist.locate_file(relative))
        if not installed.is_file() or installed.read_bytes() != source.read_bytes():
            return False
    return True


def ensure_hello_installed() -> importlib.metadata.Distribution:
    """Install (or refresh) praxcloud-hello unless the installed copy is the source's."""
    if not installed_matches_source():
        with tempfile.TemporaryDirectory() as scratch:
            # Build from a copy: pip builds in place and would leave build/ and
            # *.egg-info in the source tree.
            copy = Path(scratch) / DISTRIBUTION
            shutil.copytree(SOURCE, copy,
                            ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
            result = subprocess.run(
                [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                 "--no-build-isolation", "--no-index", "--force-reinstall", str(copy)],
                capture_output=True, text=True, check=False,
                env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
            )
        if result.returncode != 0:
            raise RuntimeError(f"pip could not install {DISTRIBUTION}:\n{result.stderr}")
        # Forget what this process cached of the old install.
        importlib.invalidate_caches()
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]
    return importlib.metadata.distribution(DISTRIBUTION)
