"""Does the plugin host cost a tenant anything when it enables no plugin?

Authenticated ``GET /api/v1/{tenant}/records?per_page=50`` (a tenant with 60
records), requests per second in-process through WebTest, on two apps over
the same databases:

a. ``praxcloud.load_plugins = false``: the core alone;
b. every installed plugin loaded through its entry point (at least the
   third-party example ``hello``, pip-installed if missing) plus synthetic
   plugins implementing the request-path hooks, none enabled for the tenant.

Runs are interleaved (a b b a a b ...) so that drift of the machine falls on
both alike; the ratio b/a of the medians is printed (target >= 0.95).

    python bench/records_plugins.py [--quick]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import (
    RECORDS_URL,
    bench_settings,
    build_app,
    client,
    login,
    machine,
    make_tenant_with_records,
)

SLUG = "bench"


def rate(app, headers, requests: int) -> tuple[float, float]:
    """Requests per second of wall-clock time, and per second of this process's CPU time."""
    url = RECORDS_URL.format(slug=SLUG)
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(requests):
        app.get(url, headers=headers)
    return (requests / (time.perf_counter() - start),
            requests / (time.process_time() - cpu))


def calls_per_request(app, headers, requests: int = 20) -> float:
    """Python function calls per request: the work done, whatever else the machine runs."""
    profiler = cProfile.Profile()
    profiler.enable()
    rate(app, headers, requests)
    profiler.disable()
    return pstats.Stats(profiler).total_calls / requests


def plugin_app(settings: dict):
    """The app with installed entry points plus the synthetic plugins."""
    import synthetic_plugins

    from praxcloud.core import plugins

    installed = plugins.discover_entry_points()
    original = plugins.discover_entry_points
    plugins.discover_entry_points = lambda: installed + synthetic_plugins.entry_points()
    try:
        return build_app(settings)
    finally:
        plugins.discover_entry_points = original


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (a smoke test)")
    args = parser.parse_args()
    rounds, requests = (4, 100) if args.quick else (12, 400)

    from tests.plugin_host.install_hello import ensure_hello_installed

    ensure_hello_installed()
    with tempfile.TemporaryDirectory() as scratch:
        settings = bench_settings(Path(scratch))
        bare = build_app({**settings, "praxcloud.load_plugins": "false"})
        loaded = plugin_app(settings)
        host = loaded.registry.plugin_host
        if host.broken:
            sys.exit(f"broken plugins, fix them first: {sorted(host.broken)}")
        make_tenant_with_records(bare.registry, SLUG)
        apps = {"a": client(bare), "b": client(loaded)}
        headers = {name: login(app, SLUG) for name, app in apps.items()}
        for name, app in apps.items():  # warm-up: engines, caches, code paths
            rate(app, headers[name], requests // 4)

        print(f"machine: {machine()}")
        print(f"(b) loads {len(host.infos)} plugins: {', '.join(sorted(host.infos))}; "
              f"the tenant enables none")
        print(f"{rounds} rounds of {requests} requests per app, interleaved")
        wall: dict[str, list[float]] = {"a": [], "b": []}
        cpu: dict[str, list[float]] = {"a": [], "b": []}
        for round_number in range(rounds):
            order = ("a", "b") if round_number % 2 == 0 else ("b", "a")
            for name in order:
                per_wall, per_cpu = rate(apps[name], headers[name], requests)
                wall[name].append(per_wall)
                cpu[name].append(per_cpu)
            print(f"  round {round_number + 1:2d}: a {wall['a'][-1]:7.1f} req/s   "
                  f"b {wall['b'][-1]:7.1f} req/s   (per CPU second: a {cpu['a'][-1]:6.1f}, "
                  f"b {cpu['b'][-1]:6.1f})")
        median = {name: statistics.median(values) for name, values in wall.items()}
        median_cpu = {name: statistics.median(values) for name, values in cpu.items()}
        print(f"(a) no plugins loaded:           median {median['a']:7.1f} req/s "
              f"({median_cpu['a']:.1f} per CPU second)")
        print(f"(b) all plugins loaded, none on: median {median['b']:7.1f} req/s "
              f"({median_cpu['b']:.1f} per CPU second)")
        print(f"ratio b/a = {median['b'] / median['a']:.3f}  (target >= 0.95)")
        print(f"ratio b/a per CPU second = {median_cpu['b'] / median_cpu['a']:.3f}  "
              f"(the same, less sensitive to other processes on the machine)")
        calls = {name: calls_per_request(app, headers[name]) for name, app in apps.items()}
        print(f"Python function calls per request: a {calls['a']:.0f}, b {calls['b']:.0f} "
              f"(b/a = {calls['b'] / calls['a']:.4f}; a deterministic measure of the work)")
        for wsgi in (bare, loaded):
            wsgi.registry.tenancy.dispose()


if __name__ == "__main__":
    main()
