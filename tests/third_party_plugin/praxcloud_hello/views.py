"""The greeting, as JSON and as a console page; only tenants with the plugin reach them.

``plugin="hello"`` on each view makes it answer 404 for every tenant whose
contract does not enable the plugin, before any permission check.
"""

from __future__ import annotations

from pyramid.view import view_config
from sqlalchemy import select

from praxcloud.plugin import AUTHENTICATED, api_view

from . import NAME
from .models import HelloVisit


def greeting(request) -> dict:
    settings = request.registry.plugin_host.tenant_settings(request.tenant, NAME)
    return {"greeting": settings["greeting"], "user": request.praxcloud_identity.user.email}


@api_view(route_name="hello.api", request_method="GET", permission=AUTHENTICATED, plugin=NAME)
def hello(request):
    user = request.praxcloud_identity.user
    # request.tenant_db is the tenant's own database, in the request's transaction.
    visit = request.tenant_db.scalars(
        select(HelloVisit).where(HelloVisit.user_id == user.id)).first()
    if visit is None:
        visit = HelloVisit(user_id=user.id, visits=0)
        request.tenant_db.add(visit)
    visit.visits += 1
    return greeting(request)


@view_config(route_name="hello.console", request_method="GET", permission=AUTHENTICATED,
             plugin=NAME, renderer="praxcloud_hello:templates/hello.jinja2")
def hello_page(request):
    return greeting(request)
