"""Real headless Chromium (Debian's, installed by scripts/ensure-chromium) against live_server.

Every test here is marked ``e2e``; the pages are driven exactly as a member would, and each
main page is saved as a screenshot under test-artifacts/screenshots/.
"""

import os
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import PASSWORD
from tests.e2e.tour import furnished  # noqa: F401 - the tours' pages (test_every_device, test_accessibility)
from tests.pipeline_fixtures import (  # noqa: F401 - fixtures shared with the pipeline's tests
    account,
    board,
    offline_account,
    offline_board,
    sandbox,
    start_cluster,
    workspace,
)

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are still synchronous and safe here (STACK-NOTES pitfall 3).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Long enough for a worker round trip on a loaded 2-core CI machine, short enough to fail fast.
EXPECT_TIMEOUT_MS = 20_000


E2E_DIR = Path(__file__).resolve().parent


@pytest.hookimpl(hookwrapper=True)
def pytest_collection_modifyitems(session, config, items):
    """Browser tests run last (after every other plugin's reordering, pytest-django's included).
    Playwright's sync API keeps an event loop running in the main thread from its first use to the
    end of the session, and any later test that calls ``asyncio.run()`` (the async SDK's) would
    fail on it."""
    yield
    items.sort(key=lambda item: Path(str(item.path)).is_relative_to(E2E_DIR))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        subprocess.run(["bash", str(Path(settings.BASE_DIR) / "scripts" / "ensure-chromium")], check=True)
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_FLAGS}


@pytest.fixture(autouse=True)
def _expect_timeout():
    from playwright.sync_api import expect

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@pytest.fixture
def open_browser_page(new_context, live_server):
    """``open_browser_page()`` → a fresh, logged-out Page whose relative URLs go to live_server."""

    def open_page():
        context = new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(EXPECT_TIMEOUT_MS)
        return page

    return open_page


@pytest.fixture
def browser_as(open_browser_page, live_server):
    """``browser_as(user)`` → a Page already logged in as that user (a session cookie is planted,
    so only the tests about logging in pay for the login form)."""

    def open_page_as(user):
        client = Client()
        client.force_login(user)
        page = open_browser_page()
        session_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session_cookie, "url": live_server.url}]
        )
        return page

    return open_page_as


def log_in_through_the_form(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/app/")


def save_screenshot(page, name: str) -> Path:
    """Full-page PNG kept as a test artifact (test-artifacts/ is gitignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def make_noisy_jpeg(path: Path, width: int = 1200, height: int = 1600) -> Path:
    """A photo-like JPEG of about a megabyte: big enough that the browser reports upload progress."""
    from PIL import Image

    Image.effect_noise((width, height), 90).convert("RGB").save(path, "JPEG", quality=95)
    return path


def open_section(page, label: str) -> None:
    """Follow a link of the main navigation, as a member does."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name=label, exact=True).click()
