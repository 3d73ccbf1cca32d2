"""``/``: where people who typed the bare address are sent on to the right console.

A small page with the operators' login (``/platform/login``) and a field for
the institution's code, which leads to ``/{code}/login``.

What it reveals: nothing about which tenants exist. The code is checked for
its form only (the slug rules) and never looked up, so ``/`` answers the
same for a tenant that exists, one that does not and one that is suspended;
whether a code is real is told by ``/{code}/login`` alone, exactly as
before. Nor is there any list of tenants.
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ..forms import FORM_INVALID
from ..tenancy import InvalidSlug, check_slug

FIELD = "institution"
MAX_CODE = 40
NOT_A_CODE = ("That is not an institution code. It is the word after the site's address "
              "in the links your institution gave you: 3 to 40 lower-case letters, digits "
              "and dashes, such as north-clinic.")


def _page(request, code: str = "", error: str | None = None, status: int = 200) -> dict:
    request.response.status = status
    return {"code": code, "error": error, "field": FIELD}


@view_config(route_name="start", request_method="GET", renderer="console/start.jinja2")
def start(request):
    typed = request.GET.get(FIELD)
    if typed is None:
        return _page(request)
    code = typed.strip().lower()
    if not code:
        return _page(request, error="Enter your institution's code.", status=FORM_INVALID)
    try:
        check_slug(code[:MAX_CODE + 1])
    except InvalidSlug:
        return _page(request, code=code[:MAX_CODE], error=NOT_A_CODE, status=FORM_INVALID)
    return HTTPSeeOther(request.route_url("console.login", tenant=code))


def includeme(config) -> None:
    config.add_route("start", "/")
