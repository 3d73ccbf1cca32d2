"""The project name and pluggy's markers, shared by every hook family and every plugin."""

from __future__ import annotations

import pluggy

PROJECT = "praxcloud"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
