"""One request class for the process, not a new class for every request.

``config.add_request_method(..., reify=True)`` (``request.tenant``,
``request.tenant_db``, ``request.audit``, a plugin's own) makes Pyramid give
each request a class of its own carrying those properties: a ``type()``
call per request, and attribute lookups that start every request with an
empty method cache. Once every property is known (the core's and the
plugins' includes have run), :func:`bake_request_properties` puts them on
one subclass of the request factory, which serves every request; Pyramid
then only binds the plain request methods per request.
"""

from __future__ import annotations

from pyramid.interfaces import IRequestExtensions, IRequestFactory
from pyramid.request import Request


def request_factory(registry) -> type[Request]:
    """The class the app makes its requests from (for requests made outside the app)."""
    return registry.queryUtility(IRequestFactory, default=Request)


def bake_request_properties(registry) -> None:
    extensions = registry.queryUtility(IRequestExtensions)
    if extensions is None or not extensions.descriptors:
        return
    base = request_factory(registry)
    attributes = {**dict(extensions.descriptors), "__module__": base.__module__}
    registry.registerUtility(type(base.__name__, (base,), attributes), IRequestFactory)
    # Nothing left for Pyramid to put on each request's own class.
    extensions.descriptors = {}
