"""Wheels of PraxCloud's dependencies, built once per dependency set and kept between runs.

The end-to-end test installs PraxCloud into a fresh venv. Resolving against
the configured package indexes every time is most of its cost; from a
folder of wheels (``pip install --no-index --find-links``) it is a copy.
The folder is named after a hash of what it holds, so a change to
setup.cfg's dependencies builds a new one, and it is built under a
temporary name and renamed, so that two runs at once never share half a folder.
"""

from __future__ import annotations

import configparser
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What the fresh venv needs besides PraxCloud's own dependencies: the build
# backend (editable installs without build isolation) and the test runner.
EXTRA = ("setuptools>=68,<81", "wheel", "pytest>=8", "webtest>=3.0")


def requirements() -> list[str]:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    listed = parser["options"]["install_requires"].strip().splitlines()
    return sorted({line.strip() for line in listed if line.strip()} | set(EXTRA))


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "praxcloud-tests"


def wheelhouse() -> Path:
    """The folder of wheels for :func:`requirements`, built if missing."""
    wanted = requirements()
    key = hashlib.sha256("\n".join([sys.version, *wanted]).encode()).hexdigest()[:16]
    folder = cache_root() / f"wheels-{key}"
    if folder.is_dir():
        return folder
    scratch = folder.with_name(f"{folder.name}.{os.getpid()}.partial")
    shutil.rmtree(scratch, ignore_errors=True)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(scratch), *wanted],
        capture_output=True, text=True, check=False, timeout=900)
    if built.returncode != 0:
        shutil.rmtree(scratch, ignore_errors=True)
        raise RuntimeError(f"pip could not build the wheelhouse:\n{built.stderr[-4000:]}")
    try:
        scratch.rename(folder)
    except OSError:
        # Another run finished the same folder first: use theirs.
        shutil.rmtree(scratch, ignore_errors=True)
    return folder
