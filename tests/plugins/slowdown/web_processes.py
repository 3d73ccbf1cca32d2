"""Real web processes on one set of databases and one Redis, and clients in other processes.

``python -m tests.plugins.slowdown.web_processes SETTINGS.json PORT_FILE`` builds the
app from the settings (as ``praxcloud.main`` does in each worker of a production
server), serves it with waitress on a free loopback port and writes the port to
``PORT_FILE`` once it listens. :func:`web_processes` starts several at once, waits
until each answers HTTP and stops them by their PIDs; :func:`fire` sends many requests
at once from several client processes.

Standard library only at import time: the client processes are spawned fresh and
import nothing else.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import queue
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
# Generous: a loaded two-core machine building the app in three processes at once.
READY_TIMEOUT = 120
STOP_TIMEOUT = 10
REQUEST_TIMEOUT = 120
SERVER_THREADS = 4


@dataclass(frozen=True)
class Request:
    """One request of a burst: to which server, from which loopback address."""

    port: int
    source: str  # the client's address, 127.0.0.x (all of 127/8 is loopback on Linux)
    method: str
    path: str
    body: dict


@dataclass(frozen=True)
class Answer:
    request: Request
    status: int  # 0: no HTTP answer at all (``error`` says why)
    retry_after: str | None
    body: str
    error: str = ""


# --- The web processes --------------------------------------------------------------
@contextmanager
def web_processes(settings: dict, directory: Path, count: int,
                  ready_path: str = "/") -> Iterator[list[int]]:
    """Start ``count`` servers of the app built from ``settings``; yield their ports.

    All are started before any is waited for (they build the app side by side);
    each is ready when it answers ``GET ready_path`` with any HTTP status. Their
    output goes to ``directory/web-N.log``, quoted when one fails to come up.
    """
    directory = Path(directory)
    settings_file = directory / "web-settings.json"
    settings_file.write_text(json.dumps(settings))
    started: list[tuple[subprocess.Popen, Path, Path]] = []
    try:
        for number in range(count):
            port_file = directory / f"web-{number}.port"
            log_file = directory / f"web-{number}.log"
            with log_file.open("wb") as log:
                process = subprocess.Popen(
                    [sys.executable, "-m", __name__, str(settings_file), str(port_file)],
                    cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
            started.append((process, port_file, log_file))
        deadline = time.monotonic() + READY_TIMEOUT
        yield [_wait_until_ready(process, port_file, log_file, ready_path, deadline)
               for process, port_file, log_file in started]
    finally:
        for process, _port_file, _log_file in started:
            _stop(process)


def _wait_until_ready(process: subprocess.Popen, port_file: Path, log_file: Path,
                      ready_path: str, deadline: float) -> int:
    port = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"web process {process.pid} ended with {process.returncode}:\n"
                               f"{log_file.read_text(errors='replace')}")
        if port is None and port_file.exists():
            port = int(port_file.read_text())
        if port is not None and _answers(port, ready_path):
            return port
        time.sleep(0.1)  # polling only: readiness is what the loop checks
    raise RuntimeError(f"web process {process.pid} did not answer within {READY_TIMEOUT} s:\n"
                       f"{log_file.read_text(errors='replace')}")


def _answers(port: int, path: str) -> bool:
    # An http:// URL on loopback this module built (S310 guards against file: and the like).
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10):  # noqa: S310
            return True
    except urllib.error.HTTPError:
        return True  # any status: the process is serving
    except OSError:
        return False


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def serve(settings_file: str, port_file: str) -> None:
    from waitress import create_server

    from praxcloud import main as make_app

    app = make_app({}, **json.loads(Path(settings_file).read_text()))
    server = create_server(app, host="127.0.0.1", port=0, threads=SERVER_THREADS)
    written = Path(port_file + ".tmp")
    written.write_text(str(server.effective_port))
    os.replace(written, port_file)  # whole or absent: the parent never reads half a port
    server.run()


# --- The clients --------------------------------------------------------------------
def fire(requests: Sequence[Request], processes: int) -> list[Answer]:
    """Send all ``requests`` at once from ``processes`` client processes (threads in each).

    Every thread connects first, then all wait at one barrier across the
    processes and send together. Returns the answers in no particular order.
    """
    context = multiprocessing.get_context("spawn")  # fresh children: no inherited engines
    barrier = context.Barrier(len(requests))
    answers = context.Queue()
    shares = [list(requests[number::processes]) for number in range(processes)]
    clients = [context.Process(target=_client, args=(share, barrier, answers), daemon=True)
               for share in shares if share]
    for client in clients:
        client.start()
    collected: list[Answer] = []
    try:
        deadline = time.monotonic() + READY_TIMEOUT + REQUEST_TIMEOUT
        while len(collected) < len(requests):
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError(f"only {len(collected)} of {len(requests)} answers came back")
            try:
                collected.append(answers.get(timeout=min(left, 5)))
            except queue.Empty:
                if not any(client.is_alive() for client in clients):
                    raise RuntimeError(f"the clients ended with {len(collected)} of "
                                       f"{len(requests)} answers") from None
    finally:
        for client in clients:
            client.join(timeout=STOP_TIMEOUT)
            if client.is_alive():
                client.kill()
                client.join()
    return collected


def _client(share: list[Request], barrier, answers) -> None:
    threads = [threading.Thread(target=_one, args=(request, barrier, answers))
               for request in share]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _one(request: Request, barrier, answers) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", request.port, timeout=REQUEST_TIMEOUT,
                                            source_address=(request.source, 0))
    try:
        try:
            connection.connect()
        except OSError:
            barrier.abort()  # the others stop waiting for this one
            raise
        barrier.wait(timeout=READY_TIMEOUT)
        connection.request(request.method, request.path, body=json.dumps(request.body),
                           headers={"Content-Type": "application/json",
                                    "Accept": "application/json"})
        response = connection.getresponse()
        answer = Answer(request, response.status, response.getheader("Retry-After"),
                        response.read().decode("utf-8", "replace"))
    except Exception as exc:  # noqa: BLE001 - reported to the test as an answer-less request
        answer = Answer(request, 0, None, "", f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()
    answers.put(answer)


def can_bind(address: str) -> bool:
    """Whether a client socket can use ``address`` as its source (127.0.0.x on Linux)."""
    import socket

    try:
        with socket.socket() as probe:
            probe.bind((address, 0))
        return True
    except OSError:
        return False


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2])
