"""Production mode, for real: ``scripts/release`` (migrate, schedules, collectstatic) then
``scripts/web`` (gunicorn) with ``DEBUG=false`` and the production settings module, exactly as the
image, compose.yaml and the systemd units run them. A member logs in and every dashboard page
answers 200 with its CSS and JS, served by WhiteNoise under their hashed (manifest) names; the
image's health check (``scripts/healthcheck``) passes against that server.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.urls import reverse

from publishing.navigation import SECTIONS
from tests.conftest import PASSWORD
from tests.pipeline_fixtures import wait_for
from tests.ports import free_port

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Pages beyond the navigation's sections (the team area's sub-pages, the account's own page).
MORE_PAGES = ["team_settings", "team_audit", "team_webhooks", "password_change"]
# Pages an anonymous visitor sees; the admin and the API docs bring their own static files.
ANONYMOUS_PAGES = ["/accounts/login/", "/accounts/password_reset/", "/admin/login/", "/v1/docs", "/app/accessibility/"]
HASHED_NAME = re.compile(r"\.[0-9a-f]{12}\.(css|js)$")


class AssetLinks(HTMLParser):
    """The stylesheets and scripts a page loads from this server."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.urls.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])


def asset_links(html: str) -> list[str]:
    parser = AssetLinks()
    parser.feed(html)
    return [url for url in parser.urls if url.startswith("/")]



def database_url() -> str:
    """The test database as a DATABASE_URL, so the server runs the production settings module."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "", safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def production_env(transactional_db, tmp_path) -> dict:
    port = free_port()
    env = {key: value for key, value in os.environ.items()
           if key not in {"DJANGO_SETTINGS_MODULE", "REDIS_URL", "PACING_REDIS_URL", "MEDIA_STORAGE",
                          "XDG_RUNTIME_DIR"}}
    (tmp_path / "home").mkdir()
    env.update({
        "HOME": str(tmp_path / "home"),  # where gunicorn would put its control socket (none: scripts/web)
        "DJANGO_SETTINGS_MODULE": "pinboard_site.settings",
        "PINBOARD_ENV_FILE": "",  # nothing from a developer's .env
        "DEBUG": "false",
        "SECRET_KEY": "production-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "FIELD_ENCRYPTION_KEY": "x4dEjcjKxfrAv1kL1o6ZoF3WpUd9tRfnlZ1R3nx2c2E=",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "false",  # plain HTTP on loopback: the test client must send the cookies back
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url(),
        "PINBOARD_VAR_DIR": str(tmp_path / "var"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "PYTHON": sys.executable,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "PYTHONUNBUFFERED": "1",
    })
    return env


@pytest.fixture
def production_server(production_env, tmp_path):
    release = subprocess.run([str(BASE_DIR / "scripts/release")], env=production_env, capture_output=True,
                             text=True, timeout=300)
    assert release.returncode == 0, release.stdout[-3000:] + release.stderr[-3000:]
    assert Path(production_env["STATIC_ROOT"], "staticfiles.json").exists(), "collectstatic wrote the manifest"

    log_path = tmp_path / "gunicorn.log"
    with log_path.open("wb") as log:
        web = subprocess.Popen([str(BASE_DIR / "scripts/web")], env=production_env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)

    def healthy() -> bool:
        assert web.poll() is None, log_path.read_text(errors="replace")[-3000:]
        return run_healthcheck(production_env).returncode == 0

    try:
        wait_for(healthy, timeout=60, interval=0.3, message="scripts/healthcheck to pass against gunicorn")
        yield production_env["SITE_URL"], log_path
    finally:
        try:
            os.killpg(web.pid, signal.SIGTERM)
            web.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(web.pid, signal.SIGKILL)
            web.wait()
        except ProcessLookupError:
            pass


def log_in(client: httpx.Client, email: str) -> None:
    client.get("/accounts/login/").raise_for_status()
    response = client.post("/accounts/login/", data={
        "username": email, "password": PASSWORD, "csrfmiddlewaretoken": client.cookies["csrftoken"],
    })
    assert response.status_code == 302 and response.headers["location"] == "/app/", response.text[:2000]


def test_every_dashboard_page_answers_200_with_its_hashed_css_and_js_under_gunicorn_without_debug(
        cast, production_server, production_env):
    base_url, log_path = production_server
    pages = [reverse(name) for _label, name, _action in SECTIONS] + [reverse(name) for name in MORE_PAGES]
    anonymous = httpx.Client(base_url=base_url, timeout=20)
    member = httpx.Client(base_url=base_url, timeout=20)
    # The suite hashes passwords with MD5 for speed; the production settings only accept their own hashers.
    cast.admin.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    cast.admin.save(update_fields=["password"])
    log_in(member, cast.admin.email)

    assets: set[str] = set()
    for client, paths in ((member, pages), (anonymous, ANONYMOUS_PAGES)):
        for path in paths:
            page = client.get(path)
            assert page.status_code == 200, f"{path} answered {page.status_code}\n" + log_path.read_text()[-3000:]
            links = asset_links(page.text)
            assert links, f"{path} loads no CSS or JS"
            if client is member:
                assert "/static/css/pinboard." in page.text and "/static/js/pinboard." in page.text, path
            assets.update(links)

    for url in sorted(assets):
        assert HASHED_NAME.search(url), f"{url} is not a manifest (hashed) name"
        response = anonymous.get(url)
        assert response.status_code == 200, f"{url} answered {response.status_code}"
        # WhiteNoise marks hashed files as cacheable forever.
        assert "immutable" in response.headers.get("cache-control", ""), url
        assert response.headers["content-type"].split(";")[0] in {
            "text/css",
            "text/javascript",
            "application/javascript",
        }
    assert any(url.endswith(".css") for url in assets) and any(url.endswith(".js") for url in assets)
    # No control socket at gunicorn's default path (started beside the first workers, long before this
    # line): every gunicorn of one user would share it, and each new one takes it from the last.
    assert list(Path(production_env["HOME"]).rglob("*")) == [], log_path.read_text()[-3000:]


def run_healthcheck(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BASE_DIR / "scripts/healthcheck")], env=env, capture_output=True,
                          text=True, timeout=10)


def test_the_health_check_fails_when_nothing_listens(production_env):
    """The image's HEALTHCHECK must not pass by accident: nothing listens on PORT here."""
    check = run_healthcheck(production_env)
    assert check.returncode == 1
    assert "unhealthy" in check.stderr


def test_the_health_check_fails_when_healthz_is_not_200(production_env):
    """A node whose /healthz answers anything but 200 is unhealthy (a real HTTP server answering 503)."""
    seen_hosts = []

    class Degraded(BaseHTTPRequestHandler):
        def do_GET(self):  # the http.server API
            seen_hosts.append(self.headers["Host"])
            body = b'{"status": "degraded"}'
            self.send_response(503 if self.path == "/healthz" else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", int(production_env["PORT"])), Degraded)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        check = run_healthcheck(production_env)
    finally:
        server.shutdown()
        server.server_close()
    assert check.returncode == 1
    assert "503" in check.stderr
    assert seen_hosts == [production_env["SITE_URL"].removeprefix("http://")], "it sends SITE_URL's host"
