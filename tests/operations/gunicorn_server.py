"""A real gunicorn started by scripts/web (production settings, the test database), its output kept."""

from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.foundation.test_production_server import BASE_DIR
from tests.pipeline_fixtures import wait_for


@dataclass
class WebServer:
    base_url: str
    port: int
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_web(env: dict, log_path: Path) -> tuple[subprocess.Popen, WebServer]:
    """scripts/web in its own process group (stop it with ``stop_web``); returns once /healthz answers."""
    static = subprocess.run([str(BASE_DIR / "scripts/release"), "static"], env=env, capture_output=True, text=True,
                            timeout=300)
    assert static.returncode == 0, static.stderr[-3000:]
    with log_path.open("wb") as log:
        web = subprocess.Popen([str(BASE_DIR / "scripts/web")], env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    server = WebServer(base_url=env["SITE_URL"], port=int(env["PORT"]), log_path=log_path)

    def healthy() -> bool:
        assert web.poll() is None, server.log()[-3000:]
        try:
            return httpx.get(f"{server.base_url}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    wait_for(healthy, timeout=60, interval=0.2, message="gunicorn (scripts/web) to answer /healthz")
    return web, server


def stop_web(web: subprocess.Popen) -> None:
    try:
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(web.pid, signal.SIGKILL)
        web.wait()
    except ProcessLookupError:
        pass
