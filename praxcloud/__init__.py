"""PraxCloud: the WSGI application factory."""

from __future__ import annotations

import gc
import warnings

# Pyramid 2.x still imports pkg_resources, which setuptools >= 80 announces
# with a UserWarning on every start; the message is for pyramid, not for
# the people running PraxCloud.
warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)

from pyramid.config import Configurator

from .core.config import apply_environment
from .core.request_class import bake_request_properties
from .core.settings import settings_of


def main(global_config, **settings):
    settings = apply_environment(settings)
    with Configurator(settings=settings) as config:
        config.include("praxcloud.core")
    # After every include, the plugins' too: their request properties are known.
    bake_request_properties(config.registry)
    app = config.make_wsgi_app()
    if settings_of(app.registry).gc_freeze:
        # What start-up made lives as long as the process: collected once now,
        # then never scanned again. Objects still referenced by refcount are
        # freed as ever; only cycles among frozen objects stay (there are none
        # to free in an app that lives until the process ends).
        gc.collect()
        gc.freeze()
    return app
