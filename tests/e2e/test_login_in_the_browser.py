import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in_through_the_form

pytestmark = pytest.mark.e2e


def test_a_member_logs_in_through_the_form_and_sees_the_overview(cast, open_browser_page):
    page = open_browser_page()
    log_in_through_the_form(page, cast.viewer.email)
    expect(page.get_by_role("heading", level=1, name="Overview")).to_be_visible()
    expect(page.locator(".whoami .role")).to_have_text("viewer")


def test_a_planted_session_opens_the_dashboard_directly(cast, browser_as):
    page = browser_as(cast.manager)
    page.goto("/app/")
    expect(page.locator(".whoami .role")).to_have_text("manager")
