"""`manage.py serve` (what `make run` ends with): web server, publishing and media clusters together,
stopped by one signal; a cluster that dies is started again while the web keeps serving."""

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
from django.conf import settings

from tests.ports import free_port


def descendants(pid: int) -> set[int]:
    found, frontier = set(), [pid]
    while frontier:
        parent = frontier.pop()
        children = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True).stdout.split()
        for child in map(int, children):
            found.add(child)
            frontier.append(child)
    return found


def cluster_names(serve_pid: int) -> list[str]:
    """The Q_CLUSTER_NAME of each qcluster child that serve started directly."""
    names = []
    for pid in subprocess.run(["pgrep", "-P", str(serve_pid)], capture_output=True, text=True).stdout.split():
        try:
            cmdline = open(f"/proc/{pid}/cmdline").read()
            environ = dict(
                item.split("=", 1) for item in open(f"/proc/{pid}/environ").read().split("\0") if "=" in item
            )
        except OSError:  # the process ended meanwhile
            continue
        if "qcluster" in cmdline:
            names.append(environ.get("Q_CLUSTER_NAME", ""))
    return names


def start_serve(tmp_path, *args):
    port = free_port()
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "pinboard_site.settings", "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}", "PINBOARD_VAR_DIR": str(tmp_path), "PORT": str(port),
    }
    env.pop("REDIS_URL", None)
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, timeout=120)
    log = open(tmp_path / "serve.log", "w")
    server = subprocess.Popen([*manage, "serve", *args], env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while not web_answers(port):
        assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()[-3000:]
        time.sleep(0.3)
    return server, port


def web_answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def web_child(serve_pid: int) -> int | None:
    for pid in subprocess.run(["pgrep", "-P", str(serve_pid)], capture_output=True, text=True).stdout.split():
        try:
            if "gunicorn" in open(f"/proc/{pid}/cmdline").read():
                return int(pid)
        except OSError:
            continue
    return None


def qcluster_child(serve_pid: int, name: str) -> int | None:
    for pid in subprocess.run(["pgrep", "-P", str(serve_pid)], capture_output=True, text=True).stdout.split():
        try:
            environ = open(f"/proc/{pid}/environ").read()
        except OSError:  # the process ended meanwhile
            continue
        if f"Q_CLUSTER_NAME={name}\0" in environ:
            return int(pid)
    return None


def test_a_cluster_that_dies_is_started_again_and_the_web_keeps_serving(tmp_path):
    server, port = start_serve(tmp_path, "--restart-delay", "0.5")
    try:
        wait = time.monotonic() + 30
        while qcluster_child(server.pid, "pinboard") is None or qcluster_child(server.pid, "media") is None:
            assert time.monotonic() < wait, "serve started both clusters"
            time.sleep(0.2)
        crashed, web = qcluster_child(server.pid, "pinboard"), web_child(server.pid)
        assert web is not None
        os.killpg(crashed, signal.SIGKILL)  # the whole publishing cluster dies at once

        wait = time.monotonic() + 30
        while qcluster_child(server.pid, "pinboard") in (None, crashed):
            assert server.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
            assert time.monotonic() < wait, (tmp_path / "serve.log").read_text()[-3000:]
            time.sleep(0.2)
        # The same web process kept serving (a loaded machine may take a moment to answer).
        assert web_child(server.pid) == web
        wait = time.monotonic() + 30
        while not web_answers(port):
            assert time.monotonic() < wait, (tmp_path / "serve.log").read_text()[-3000:]
            time.sleep(0.2)
        assert web_child(server.pid) == web
        assert "worker exited with" in (tmp_path / "serve.log").read_text()
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


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
        assert sorted(cluster_names(server.pid)) == ["media", "pinboard"]  # publishing and media clusters

        server.send_signal(stop_signal)
        server.wait(timeout=30)
        deadline = time.monotonic() + 30
        while any(
            os.path.exists(f"/proc/{pid}") and open(f"/proc/{pid}/stat").read().split()[2] != "Z" for pid in processes
        ):
            assert time.monotonic() < deadline, "children still running after the signal"
            time.sleep(0.2)
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=2)
    finally:
        if server.poll() is None:
            server.kill()
