"""What only this repository's own test suite needs.

The fixtures (``app``, ``testapp``, ``tenant``, ``make_user``, ``api_client``,
``mailbox``, ...) and helpers (``need``, ``PASSWORD``, ``api_login``) come
from :mod:`praxcloud.testing`, the pytest plugin PraxCloud ships for every
plugin's tests; this suite uses it as an outside plugin's would.
"""

from __future__ import annotations

# The example plugin is a distribution of its own, with its own tests run
# against the installed package (tests/plugin_host/test_third_party_plugin.py
# runs them in a pytest of their own, as its author would).
collect_ignore = ["third_party_plugin"]


def pytest_configure(config):
    """Install the example third-party plugin once, before any xdist worker starts.

    The suite pip-installs tests/third_party_plugin (tests/plugin_host); a
    pip install while other workers enumerate entry points would race with
    them, so the controller does it first and the tests find it installed.
    """
    if not hasattr(config, "workerinput"):
        from tests.plugin_host.install_hello import ensure_hello_installed

        ensure_hello_installed()


def pytest_collection_modifyitems(config, items):
    """Tests marked ``slow`` (over a minute) first, the rest in their usual order.

    xdist hands tests out in this order: collected last (tests/scaffold), the
    slowest test would start near the end and keep one worker busy while the
    other sat idle; started first, the other worker runs everything else
    meanwhile. A stable sort: every worker collects the same order, as xdist
    requires.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
