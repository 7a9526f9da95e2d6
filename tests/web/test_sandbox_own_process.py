"""The built-in sandbox's API served by a process of its own (``scripts/web``, gunicorn, on the same
database), as compose's ``sandbox`` service runs it: ``SANDBOX_PINTEREST_API_BASE`` (from
``SANDBOX_API_BASE_URL``) points the servers at it, while the browser's authorize page stays on the
web (the live server). Connecting an account, creating a board from the dashboard and the board
refresh job all reach Pinterest through that process."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from django.db import connection

from pinterest_sandbox.models import Board as SandboxBoard
from publishing import tasks
from publishing.management.sandbox_connect import account_connect_sandbox
from tests.pipeline_fixtures import wait_for
from tests.ports import free_port

pytestmark = pytest.mark.django_db(transaction=True)

BASE_DIR = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def sandbox_process(sandbox, tmp_path):
    """A gunicorn serving this test database, for its /sandbox/pinterest/ API only; its access log."""
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings",
           "PINBOARD_TEST_DATABASE_NAME": connection.settings_dict["NAME"], "SITE_URL": sandbox,
           "SANDBOX_BASE_URL": sandbox, "PYTHON": sys.executable, "HOST": "127.0.0.1", "PORT": str(port),
           "WEB_CONCURRENCY": "1", "WEB_THREADS": "2", "PYTHONUNBUFFERED": "1"}
    log_path = tmp_path / "sandbox-gunicorn.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([str(BASE_DIR / "scripts/web")], env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        assert process.poll() is None, log_path.read_text(errors="replace")[-3000:]
        try:
            return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for(answers, timeout=60, interval=0.3, message="the sandbox's gunicorn to answer")
        yield url, log_path
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def sandbox_endpoints_configured(**env: str) -> list[str]:
    """The sandbox's API base and authorize page as the settings derive them from ``env``."""
    shown = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings as s; "
         "print(s.SANDBOX_PINTEREST_API_BASE); print(s.SANDBOX_PINTEREST_AUTHORIZE_URL)"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PINBOARD_ENV_FILE": "", **env},
        cwd=BASE_DIR, capture_output=True, text=True, check=True)
    return shown.stdout.split()


def test_the_sandbox_api_answers_from_its_own_process(cast, login, settings, sandbox, workspace, sandbox_process):
    url, log_path = sandbox_process
    settings.SANDBOX_PINTEREST_API_BASE, settings.SANDBOX_PINTEREST_AUTHORIZE_URL = sandbox_endpoints_configured(
        SANDBOX_BASE_URL=sandbox, SANDBOX_API_BASE_URL=url)
    assert settings.SANDBOX_PINTEREST_API_BASE.startswith(url)
    assert settings.SANDBOX_PINTEREST_AUTHORIZE_URL.startswith(sandbox)  # the browser's page: the web's

    account = account_connect_sandbox(workspace=workspace, user=cast.admin)  # authorize page: on the web
    created = login(cast.admin).post(f"/app/accounts/{account.public_id}/boards/create",
                                     {"name": "Garden", "privacy": "PUBLIC"}, HTTP_HX_REQUEST="true")
    assert "Created the board Garden" in created.content.decode()
    assert SandboxBoard.objects.filter(name="Garden").exists()
    assert tasks.refresh_boards(account.pk) == "4 boards"

    served = log_path.read_text(errors="replace")
    for call in ("POST /sandbox/pinterest/v5/oauth/token", "GET /sandbox/pinterest/v5/user_account",
                 "POST /sandbox/pinterest/v5/boards", "GET /sandbox/pinterest/v5/boards"):
        assert call in served, f"{call} did not reach the sandbox's process"
