"""Fixtures for the scaffold's tests: a plugin generated once per test into ``tmp_path``."""

from __future__ import annotations

import pytest

from praxcloud.scaffold import new_plugin

# A name no installed plugin, core path or importable package uses.
NAME = "visit_log"
PACKAGE = "praxcloud_visit_log"


@pytest.fixture
def generated(tmp_path):
    """The folder of plugin ``visit_log``, freshly generated."""
    return new_plugin(NAME, tmp_path / "praxcloud-visit-log")
