"""``praxcloud plugin new NAME``: a new plugin's complete, working distribution, from templates.

The generated plugin has settings, a tenant table with its first migration,
an API endpoint documented in the OpenAPI document, a console page, a
Celery task and passing tests on :mod:`praxcloud.testing`, and imports only
:mod:`praxcloud.plugin`. docs/writing-plugins.md ("Start from the
scaffold") walks through it.
"""

from __future__ import annotations

from .generate import new_plugin, render_plugin
from .names import PluginNames, ScaffoldError, check_name

__all__ = ["PluginNames", "ScaffoldError", "check_name", "new_plugin", "render_plugin"]
