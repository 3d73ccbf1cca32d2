"""The scaffold's promise, end to end: generate, install into a fresh venv, test, serve.

A plugin is generated into ``tmp_path``, installed (editable, with
PraxCloud itself editable from this checkout) into a new virtual
environment that sees nothing of the one running this test, and then, in
that venv: its generated tests pass as written; `praxcloud` creates two
tenants and enables the plugin for one with `plugins enable`; the app,
loaded from the ini, answers the plugin's route for that tenant and 404 for
the other. The phases' durations are printed (about a minute and a half
on a busy two-core machine, with the wheelhouse already built).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from praxcloud.core.crypto import encode_key, generate_key
from praxcloud.scaffold import new_plugin

from .conftest import NAME
from .wheelhouse import ROOT, wheelhouse

PASSWORD = "correct horse battery staple"  # noqa: S105 - a test user's password

# Loads the app as `pserve INI` would and asks the plugin's route as each tenant's user.
ASK_THE_ROUTE = textwrap.dedent("""
    import json, sys
    import webtest
    from pyramid.paster import get_app

    ini, path, password = sys.argv[1:]
    client = webtest.TestApp(get_app(ini, "main"),
                             extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1"})
    answers = {}
    for slug in ("acme", "beta"):
        login = client.post_json(f"/api/v1/{slug}/auth/login",
                                 {"email": f"staff@{slug}.test", "password": password})
        answer = client.get(path.format(slug=slug), expect_errors=True,
                            headers={"Authorization": "Bearer " + login.json["token"]})
        answers[slug] = {"status": answer.status_int, "body": answer.json}
    print(json.dumps(answers))
""")


class Venv:
    """A fresh virtual environment; runs its programs with this test's services in the env."""

    def __init__(self, path: Path):
        self.path = path
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=300)
        self.env = {key: value for key, value in os.environ.items()
                    if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PRAXCLOUD_INI")
                    and not key.startswith(("PYTEST_", "COV_"))}
        self.env["PATH"] = f"{path / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"

    def run(self, program: str, *args: str, cwd: Path | None = None,
            env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
        result = subprocess.run([str(self.path / "bin" / program), *args], cwd=cwd,
                                env={**self.env, **(env or {})}, capture_output=True,
                                text=True, check=False, timeout=timeout)
        assert result.returncode == 0, (
            f"{program} {' '.join(args)} exited {result.returncode}:\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
        return result


def write_ini(folder: Path) -> Path:
    ini = folder / "praxcloud.ini"
    ini.write_text(textwrap.dedent(f"""
        [app:main]
        use = egg:praxcloud
        praxcloud.platform_db_url = sqlite:///{folder}/platform.sqlite
        praxcloud.tenant_db_backend = sqlite
        praxcloud.tenant_data_dir = {folder}/tenants
        praxcloud.master_key = {encode_key(generate_key())}
        praxcloud.argon2.rounds = 1
        praxcloud.argon2.memory_cost = 1024
        praxcloud.mail_backend = folder
        mail.top_level_directory = {folder}/mail
        praxcloud.base_url = http://localhost
        praxcloud.trusted_proxies = none
    """))
    return ini


@pytest.mark.slow
def test_a_generated_plugin_installs_passes_its_tests_and_serves_only_its_tenant(
        tmp_path, capsys):
    timings: dict[str, float] = {}
    started = time.monotonic()

    def lap(phase: str) -> None:
        nonlocal started
        now = time.monotonic()
        timings[phase] = round(now - started, 1)
        started = now

    wheels = wheelhouse()
    lap("wheelhouse")
    plugin = new_plugin(NAME, tmp_path / "praxcloud-visit-log")
    venv = Venv(tmp_path / "venv")
    lap("generate + venv")
    offline = ("--quiet", "--no-index", "--find-links", str(wheels))
    venv.run("pip", "install", *offline, "setuptools>=68,<81", "wheel")
    # Both editable, built with the venv's own setuptools (no isolated build env to fill).
    venv.run("pip", "install", *offline, "--no-build-isolation",
             "-e", str(ROOT), "-e", f"{plugin}[test]")
    lap("install")

    tests = venv.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=plugin)
    assert " passed" in tests.stdout.splitlines()[-1], tests.stdout[-2000:]
    assert " failed" not in tests.stdout.splitlines()[-1]
    lap("generated tests")

    ini = write_ini(tmp_path)
    praxcloud = ("praxcloud", "-c", str(ini))
    venv.run(*praxcloud, "db", "upgrade")
    for slug in ("acme", "beta"):
        venv.run(*praxcloud, "tenant", "create", slug, "--name", slug.title())
        venv.run(*praxcloud, "user", "create", slug, f"staff@{slug}.test", "--group", "staff",
                 env={"PRAXCLOUD_PASSWORD": PASSWORD})
    venv.run(*praxcloud, "plugins", "enable", "acme", NAME, "title=Acme entries")
    script = tmp_path / "ask_the_route.py"
    script.write_text(ASK_THE_ROUTE)
    asked = venv.run("python", str(script), str(ini), "/api/v1/{slug}/visit-log", PASSWORD)
    lap("praxcloud CLI + app")

    answers = json.loads(asked.stdout.strip().splitlines()[-1])
    assert answers["acme"] == {"status": 200, "body": {"title": "Acme entries", "entries": []}}
    assert answers["beta"]["status"] == 404
    assert answers["beta"]["body"]["error"]["code"] == "not_found"
    with capsys.disabled():
        print(f"\nscaffold end to end (seconds): {json.dumps(timings)}, "
              f"total {sum(timings.values()):.1f}")
