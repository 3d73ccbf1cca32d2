"""The same app in another process, on the same databases: what a second worker sees.

``python -m tests.other_process SETTINGS.json`` builds the app from the
settings (as ``praxcloud.main`` does in a gunicorn worker), serves it with
waitress on a free loopback port and prints ``port N`` when it is ready.
:func:`other_process` runs it for a test and stops it by its PID.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT = 60


class OtherProcess:
    def __init__(self, base_url: str):
        self.base_url = base_url

    def get(self, path: str, headers: dict | None = None) -> int:
        """The status the other process answers ``GET path`` with."""
        # An http:// URL this module made itself (S310 guards against file: and the like).
        request = urllib.request.Request(self.base_url + path, headers=headers or {})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code


@contextmanager
def other_process(settings: dict, directory: Path):
    settings_file = Path(directory) / "other-process-settings.json"
    settings_file.write_text(json.dumps(settings))
    process = subprocess.Popen([sys.executable, "-m", "tests.other_process", str(settings_file)],
                               cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        line = ""
        while time.monotonic() < deadline and not line.startswith("port "):
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                raise RuntimeError(f"the other process ended with {process.returncode}")
        if not line.startswith("port "):
            raise RuntimeError("the other process did not come up")
        yield OtherProcess(f"http://127.0.0.1:{int(line.split()[1])}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main(settings_file: str) -> None:
    from waitress import create_server

    from praxcloud import main as make_app

    app = make_app({}, **json.loads(Path(settings_file).read_text()))
    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    print(f"port {server.effective_port}", flush=True)
    server.run()


if __name__ == "__main__":
    main(sys.argv[1])
