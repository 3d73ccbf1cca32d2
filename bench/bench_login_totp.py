"""What does an authenticator-app code cost a login?

API logins per second, in-process through WebTest, on one app with the
``mfa_totp`` plugin enabled for the tenant, password hashing at the
production defaults (Argon2id, argon2-cffi's RFC 9106 low-memory profile:
3 passes over 64 MiB, 4 lanes; development.ini keeps them too):

a. password only: ``POST /auth/login`` answers the token (a user with no app);
b. password + TOTP: ``POST /auth/login`` answers an ``mfa_token``, then
   ``POST /auth/mfa`` with the app's code answers the token (a user with a
   confirmed app, enrolled through the API).

A login counts once whichever way it goes. Each code works once, so the
plugin's clock (``plugins.mfa_totp.service.current_time``) moves one
30-second step per TOTP login; the codes for those steps are made before
timing starts. Runs are interleaved (a b b a a b ...) so that drift of the
machine falls on both alike; the ratio b/a of the medians is printed
(target >= 0.9).

    python bench/bench_login_totp.py [--quick]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from pathlib import Path

import pyotp
from common import PASSWORD, bench_settings, build_app, client, machine

from plugins.mfa_totp import service
from plugins.mfa_totp.codes import STEP_SECONDS
from praxcloud.core import contracts
from praxcloud.core.passwords import make_context
from praxcloud.core.provisioning import create_tenant
from praxcloud.core.scripting import tenant_request
from praxcloud.core.user_admin import create_user

SLUG = "bench"
PLAIN = "plain@bench.test"
WITH_APP = "totp@bench.test"
LOGIN_URL = f"/api/v1/{SLUG}/auth/login"
MFA_URL = f"/api/v1/{SLUG}/auth/mfa"


class StepClock:
    """The plugin's clock: the middle of step ``step``; moved on by the benchmark."""

    def __init__(self, step: int):
        self.step = step

    def __call__(self) -> float:
        return self.step * STEP_SECONDS + STEP_SECONDS / 2


def production_settings(directory: Path) -> dict:
    settings = bench_settings(directory)
    # The measured requests hash passwords: keep the library's (production) cost.
    del settings["praxcloud.argon2.rounds"], settings["praxcloud.argon2.memory_cost"]
    return settings


def enrol(app, clock: StepClock) -> str:
    """Set up an app for WITH_APP through the API, as a phone would; returns the secret."""
    token = app.post_json(LOGIN_URL, {"email": WITH_APP, "password": PASSWORD}).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    secret = app.post(f"/api/v1/{SLUG}/mfa/totp/enrol", headers=headers).json["secret"]
    app.post_json(f"/api/v1/{SLUG}/mfa/totp/confirm",
                  {"code": pyotp.TOTP(secret).at(clock())}, headers=headers)
    return secret


def password_only(app, logins: int, _codes) -> None:
    for _ in range(logins):
        app.post_json(LOGIN_URL, {"email": PLAIN, "password": PASSWORD}).json["token"]


def password_and_code(app, logins: int, codes) -> None:
    for _ in range(logins):
        mfa_token = app.post_json(LOGIN_URL, {"email": WITH_APP, "password": PASSWORD}
                                  ).json["mfa_token"]
        code = next(codes)
        app.post_json(MFA_URL, {"mfa_token": mfa_token, "method": "totp", "code": code}
                      ).json["token"]


def rate(run, app, logins: int, codes) -> tuple[float, float]:
    """Logins per second of wall-clock time, and per second of this process's CPU time."""
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    run(app, logins, codes)
    return logins / (time.perf_counter() - start), logins / (time.process_time() - cpu)


def codes_for(secret: str, clock: StepClock, count: int):
    """The app's codes for the next ``count`` steps; each one moves the clock to its step."""
    totp = pyotp.TOTP(secret)
    first = clock.step + 1
    made = [totp.at((first + n) * STEP_SECONDS + 1) for n in range(count)]
    for n, code in enumerate(made):
        clock.step = first + n
        yield code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (a smoke test)")
    args = parser.parse_args()
    rounds, logins = (2, 5) if args.quick else (16, 25)

    with tempfile.TemporaryDirectory() as scratch:
        wsgi = build_app(production_settings(Path(scratch)))
        registry = wsgi.registry
        if "mfa_totp" in registry.plugin_host.broken:
            raise SystemExit(f"mfa_totp is broken: {registry.plugin_host.broken['mfa_totp']}")
        create_tenant(registry.tenancy, SLUG, "Bench Care")
        with tenant_request(registry, SLUG) as request:
            for email in (PLAIN, WITH_APP):
                create_user(request, email, PASSWORD, ["staff"])
        contracts.enable(registry, SLUG, "mfa_totp", {})
        clock = StepClock(int(time.time()) // STEP_SECONDS)
        service.current_time = clock
        app = client(wsgi)
        secret = enrol(app, clock)
        codes = codes_for(secret, clock, 10 * rounds * logins)
        runs = {"a": password_only, "b": password_and_code}
        for run in runs.values():  # warm-up: engines, caches, code paths
            rate(run, app, 3, codes)

        # "$argon2id$v=19$m=65536,t=3,p=4$...": the parameters a real hash carries.
        parameters = make_context(registry.settings).hash("x").split("$")[3]
        print(f"machine: {machine()}")
        print(f"password hashing: argon2id {parameters} (production defaults)")
        print(f"{rounds} rounds of {logins} logins per kind, interleaved")
        wall: dict[str, list[float]] = {"a": [], "b": []}
        cpu: dict[str, list[float]] = {"a": [], "b": []}
        for round_number in range(rounds):
            order = ("a", "b") if round_number % 2 == 0 else ("b", "a")
            for name in order:
                per_wall, per_cpu = rate(runs[name], app, logins, codes)
                wall[name].append(per_wall)
                cpu[name].append(per_cpu)
            print(f"  round {round_number + 1:2d}: a {wall['a'][-1]:6.2f} logins/s   "
                  f"b {wall['b'][-1]:6.2f} logins/s   (per CPU second: a {cpu['a'][-1]:6.2f}, "
                  f"b {cpu['b'][-1]:6.2f})")
        median = {name: statistics.median(values) for name, values in wall.items()}
        median_cpu = {name: statistics.median(values) for name, values in cpu.items()}
        print(f"(a) password only:        median {median['a']:6.2f} logins/s "
              f"({median_cpu['a']:.2f} per CPU second)")
        print(f"(b) password + TOTP code: median {median['b']:6.2f} logins/s "
              f"({median_cpu['b']:.2f} per CPU second)")
        print(f"ratio b/a = {median['b'] / median['a']:.3f}  (target >= 0.9)")
        print(f"ratio b/a per CPU second = {median_cpu['b'] / median_cpu['a']:.3f}")
        registry.tenancy.dispose()


if __name__ == "__main__":
    main()
