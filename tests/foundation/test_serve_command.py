"""`manage.py serve` (what `make run` ends with): web server and worker together, stopped by one signal."""

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest
from django.conf import settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def descendants(pid: int) -> set[int]:
    found, frontier = set(), [pid]
    while frontier:
        parent = frontier.pop()
        children = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True).stdout.split()
        for child in map(int, children):
            found.add(child)
            frontier.append(child)
    return found


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_serve_runs_web_and_worker_and_one_signal_stops_both(tmp_path, stop_signal):
    port = free_port()
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "pinboard_site.settings", "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}", "PINBOARD_VAR_DIR": str(tmp_path), "PORT": str(port),
    }
    env.pop("REDIS_URL", None)
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, timeout=120)
    log = open(tmp_path / "serve.log", "w")
    server = subprocess.Popen([*manage, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()[-3000:]
            time.sleep(0.3)
        processes = descendants(server.pid)
        command_lines = [open(f"/proc/{pid}/cmdline").read() for pid in processes if os.path.exists(f"/proc/{pid}")]
        assert any("gunicorn" in line for line in command_lines)
        assert any("qcluster" in line for line in command_lines)

        server.send_signal(stop_signal)
        server.wait(timeout=30)
        deadline = time.monotonic() + 30
        while any(os.path.exists(f"/proc/{pid}") and open(f"/proc/{pid}/stat").read().split()[2] != "Z" for pid in processes):
            assert time.monotonic() < deadline, "children still running after the signal"
            time.sleep(0.2)
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=2)
    finally:
        if server.poll() is None:
            server.kill()
