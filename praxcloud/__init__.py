"""PraxCloud: the WSGI application factory."""

from __future__ import annotations

import warnings

# Pyramid 2.x still imports pkg_resources, which setuptools >= 80 announces
# with a UserWarning on every start; the message is for pyramid, not for
# the people running PraxCloud.
warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)

from pyramid.config import Configurator

from .core.config import apply_environment


def main(global_config, **settings):
    settings = apply_environment(settings)
    with Configurator(settings=settings) as config:
        config.include("praxcloud.core")
    return config.make_wsgi_app()
