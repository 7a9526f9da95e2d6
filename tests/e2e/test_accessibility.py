"""Every main page passes axe-core's WCAG 2.2 A/AA rules (contrast, labels, landmarks, names) in
Chromium, with real content on it, for the role that sees the most controls."""

from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from publishing.access import Actor
from publishing.models import PinStatus
from publishing.services.pins import pin_reject
from tests.pipeline_fixtures import pin_payload
from tests.web.helpers import bulk_pins

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}
PAGES = ["/app/", "/app/compose/", "/app/drafts/", "/app/pins/", "/app/pins/{pin}/", "/app/approvals/",
         "/app/calendar/", "/app/calendar/?view=week", "/app/assets/", "/app/accounts/", "/app/team/",
         "/app/team/settings", "/app/team/webhooks", "/app/team/audit", "/app/api-keys/", "/app/pins/{pin}/edit",
         "/app/accessibility/", "/app/notifications/", "/app/pins/imports/"]
LOGGED_OUT_PAGES = ["/accounts/login/"]  # a signed-in member is sent on from there


def test_main_pages_load_with_a_main_landmark_and_heading_and_have_no_wcag_aa_violations(
    cast, browser_as, workspace, offline_account, offline_board
):
    from publishing.models import Pin
    from publishing.services.pins import pin_create

    pins = bulk_pins(workspace, offline_account, offline_board, 3, status=PinStatus.PUBLISHED)
    bulk_pins(workspace, offline_account, offline_board, 2, status=PinStatus.FAILED, error_code="boom")
    waiting = pin_create(actor=Actor.for_user(cast.editor, workspace), source=Pin.Source.DASHBOARD,
                         data=pin_payload(offline_account, offline_board, idempotency_key="a11y-1"))
    pin_reject(
        pin=pin_create(
            actor=Actor.for_user(cast.editor, workspace),
            source=Pin.Source.DASHBOARD,
            data=pin_payload(offline_account, offline_board, idempotency_key="a11y-2", title="Other"),
        ),
        actor=Actor.for_user(cast.manager, workspace),
        reason="Blurry",
    )
    page = browser_as(cast.admin)
    axe = Axe()
    problems = {}
    targets = [url.format(pin=waiting.public_id if "edit" in url else pins[0].public_id) for url in PAGES]
    for target in targets + LOGGED_OUT_PAGES:
        if target == LOGGED_OUT_PAGES[0]:
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
