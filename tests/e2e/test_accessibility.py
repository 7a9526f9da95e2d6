"""Every page of the tour (tests/e2e/tour.py, the list test_every_device.py also walks at 390 px)
passes axe-core's WCAG 2.2 A/AA rules (contrast, labels, landmarks, names) at 1280 px in Chromium,
with real content on it, for the role that sees the most controls; the login page too."""

from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.tour import GUEST_PAGES, WCAG_AA

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
LOGGED_OUT_PAGES = ["/accounts/login/"]  # a signed-in member is sent on from there


def test_main_pages_load_with_a_main_landmark_and_heading_and_have_no_wcag_aa_violations(
    cast, furnished, browser_as
):
    page = browser_as(cast.admin)
    page.set_viewport_size({"width": 1280, "height": 900})
    axe = Axe()
    problems = {}
    signed_in = [url for name, url in furnished.items() if name not in GUEST_PAGES]
    signed_out = [url for name, url in furnished.items() if name in GUEST_PAGES] + LOGGED_OUT_PAGES
    for target in signed_in + signed_out:
        if target == signed_out[0]:
            page.context.clear_cookies()
        response = page.goto(target)
        # An error page or a bounce to the login page can be free of violations too: check that
        # the page asked for is the one audited, with its landmark and its heading.
        assert response is not None and response.status == 200, f"{target}: {response and response.status}"
        assert urlsplit(page.url).path == urlsplit(target).path, f"{target} went to {page.url}"
        assert page.get_by_role("main").count() == 1, f"{target} has no single main landmark"
        assert page.get_by_role("main").get_by_role("heading", level=1).count() == 1, f"{target} has no h1"
        results = axe.run(page, options=WCAG_AA)
        if results.violations_count:
            problems[target] = results.generate_report()
    assert not problems, "\n\n".join(f"{url}:\n{report}" for url, report in problems.items())
