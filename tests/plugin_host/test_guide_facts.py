"""docs/writing-plugins.md states facts about the core: each one checked against the code.

The arguments of what plugins call most, the common errors ``operation``
adds, the console layout's blocks, the route names to redirect to and the
core's tenant migration head: a change to any of them fails here until the
guide says the same.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from pyramid.interfaces import IRoutesMapper

from praxcloud.core.api.document import COMMON_ERRORS
from praxcloud.core.audit import AuditTrail
from praxcloud.plugin import core_tenant_head, error_response, json_response, operation

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "writing-plugins.md").read_text(encoding="utf-8")
TEMPLATES = ROOT / "praxcloud" / "core" / "templates"


def paragraph(start: str) -> str:
    """The guide's paragraph that begins with ``start``."""
    return GUIDE[GUIDE.index(start):].split("\n\n", 1)[0]


def test_every_argument_of_audit_record_is_explained():
    text = paragraph("**The audit trail.**")
    names = [n for n in inspect.signature(AuditTrail.record).parameters if n != "self"]
    assert [n for n in names if f"{n}" not in text] == []
    assert all(f"{n}=" in text for n in names if n != "event")


def test_every_argument_of_the_openapi_helpers_is_explained():
    text = paragraph("**The OpenAPI helpers, argument by argument.**")
    for helper in (operation, json_response, error_response):
        missing = [n for n in inspect.signature(helper).parameters
                   if not re.search(rf"\b{n}\b", text)]
        assert missing == [], helper.__name__


def test_the_common_errors_are_the_ones_operation_adds():
    listed = re.findall(r"\b(\d{3})\b", paragraph("**Answering an API error.**").split(
        "are added by `operation`")[0].rsplit("error_response", 1)[1])
    assert sorted(listed) == sorted(COMMON_ERRORS)


def test_the_layout_blocks_named_exist():
    text = paragraph("**The console layout.**").split("Macros in")[0]
    named = set(re.findall(r"`([a-z_]+)`", text))
    layout = "".join((TEMPLATES / name).read_text() for name in
                     ("layout.jinja2", "console/base.jinja2"))
    defined = set(re.findall(r"{%-?\s*block\s+([a-z_]+)", layout))
    assert named and named <= defined


def test_the_route_names_to_redirect_to_exist(registry):
    names = set(re.findall(r"`((?:console|api)\.[a-z_.]+)`",
                           paragraph("**Route names to redirect to**")))
    routes = {route.name for route in registry.getUtility(IRoutesMapper).get_routes()}
    assert names and names - routes == set()


def test_every_migration_example_depends_on_the_core_tenant_head():
    assert set(re.findall(r'depends_on = "([^"]+)"', GUIDE)) == {core_tenant_head()}
    assert f"`\"{core_tenant_head()}\"` in this release" in GUIDE
