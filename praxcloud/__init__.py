"""PraxCloud: the WSGI application factory."""

from __future__ import annotations

from pyramid.config import Configurator

from .core.config import apply_environment


def main(global_config, **settings):
    settings = apply_environment(settings)
    with Configurator(settings=settings) as config:
        config.include("praxcloud.core")
    return config.make_wsgi_app()
