"""`manage.py up` (what `make run` runs): one process migrates an empty database, applies the periodic
schedules and seeds the demo team, and only then does the web listen; a second start changes nothing
that is there already."""

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

import httpx
from django.conf import settings

from tests.foundation.test_serve_command import cluster_names, descendants, web_answers
from tests.ports import free_port

START_DEADLINE = 240  # seconds: migrating an empty database on a loaded 2-core machine


def up_environment(tmp_path, port: int, **extra: str) -> dict[str, str]:
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "pinboard_site.settings", "PINBOARD_ENV_FILE": "", "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'up.sqlite3'}", "PINBOARD_VAR_DIR": str(tmp_path), "PORT": str(port),
        **extra,
    }
    env.pop("REDIS_URL", None)
    return env


def start_up(tmp_path, port: int, log_name: str, **extra: str) -> subprocess.Popen:
    log = open(tmp_path / log_name, "w")  # closed with the test's process
    return subprocess.Popen([sys.executable, str(settings.BASE_DIR / "manage.py"), "up"],
                            env=up_environment(tmp_path, port, **extra), stdout=log, stderr=subprocess.STDOUT)


def seeded(tmp_path) -> dict[str, int]:
    """What the database holds, read straight from the file the server uses."""
    with sqlite3.connect(tmp_path / "up.sqlite3") as database:
        def count(sql: str) -> int:
            try:
                return database.execute(sql).fetchone()[0]
            except sqlite3.OperationalError:  # no such table (yet)
                return 0

        return {
            "teams": count("SELECT count(*) FROM publishing_team WHERE name = 'Demo team'"),
            "users": count("SELECT count(*) FROM publishing_user WHERE email LIKE '%@demo.pinboard.test'"),
            "accounts": count("SELECT count(*) FROM publishing_pinterestaccount"),
            "schedules": count("SELECT count(*) FROM django_q_schedule"),
        }


def wait_for_login_page(server: subprocess.Popen, port: int, log) -> None:
    deadline = time.monotonic() + START_DEADLINE
    while not web_answers(port):
        assert server.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.1)


def stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def log_in(port: int, email: str, password: str) -> httpx.Response:
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as browser:
        page = browser.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        return browser.post("/accounts/login/", data={"username": email, "password": password,
                                                       "csrfmiddlewaretoken": token})


def test_up_migrates_and_seeds_before_the_web_listens_and_a_second_start_changes_nothing(tmp_path):
    port = free_port()
    server = start_up(tmp_path, port, "first.log")
    try:
        wait_for_login_page(server, port, tmp_path / "first.log")
        # The first answer already finds the database migrated and seeded: the web waited for it.
        first = seeded(tmp_path)
        assert first["teams"] == 1 and first["users"] == 4 and first["accounts"] == 1
        assert first["schedules"] >= 1
        # The demo cast logs in with the published password (one hash, shared by the cast).
        for role in ("admin", "viewer"):
            try:
                answer = log_in(port, f"{role}@demo.pinboard.test", "pinboard-demo")
            except httpx.TransportError as error:  # once under load: up's own log says what the web did
                raise AssertionError(f"{role}: {error}\n{(tmp_path / 'first.log').read_text()[-5000:]}") from error
            assert answer.status_code == 302, role
        deadline = time.monotonic() + 60
        while sorted(cluster_names(server.pid)) != ["media", "pinboard"]:
            assert time.monotonic() < deadline, "up started both clusters"
            time.sleep(0.2)
    finally:
        stop(server)

    server = start_up(tmp_path, port, "second.log")
    try:
        wait_for_login_page(server, port, tmp_path / "second.log")
        assert seeded(tmp_path) == first
        output = (tmp_path / "second.log").read_text()
        assert "No migrations to apply." in output and "already connected" in output
    finally:
        stop(server)


def test_up_that_cannot_prepare_the_database_leaves_no_web_behind(tmp_path):
    """With DEBUG off the demo cast is refused: up fails before the gate opens, and the web it had
    started (importing Pinboard meanwhile) stops without ever listening."""
    port = free_port()
    production = {"DEBUG": "false", "SECRET_KEY": "s" * 50, "SITE_URL": f"http://127.0.0.1:{port}",
                  "FIELD_ENCRYPTION_KEY": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}
    server = start_up(tmp_path, port, "refused.log", **production)
    webs: set[int] = set()
    try:
        while server.poll() is None:
            webs |= {pid for pid in descendants(server.pid) if "gunicorn" in command_line(pid)}
            assert not web_answers(port)
            time.sleep(0.1)
    finally:
        if server.poll() is None:
            server.kill()
    assert server.returncode != 0
    assert "only runs with DEBUG=true" in (tmp_path / "refused.log").read_text()
    assert webs, "up starts the web while it prepares the database"
    deadline = time.monotonic() + 30
    while any(running(pid) for pid in webs):
        assert time.monotonic() < deadline, "the web outlived up"
        time.sleep(0.2)
    assert not web_answers(port)


def command_line(pid: int) -> str:
    try:
        return open(f"/proc/{pid}/cmdline").read()
    except OSError:  # the process ended meanwhile
        return ""


def running(pid: int) -> bool:
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
