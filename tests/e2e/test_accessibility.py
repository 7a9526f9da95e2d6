"""Every main page passes axe-core's WCAG 2.2 A/AA rules (contrast, labels, landmarks, names) in
Chromium, with real content on it, for the role that sees the most controls."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from publishing.models import PinStatus
from publishing.services.pins import pin_reject
from tests.pipeline_fixtures import pin_payload
from tests.web.helpers import bulk_pins

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}
PAGES = ["/app/", "/app/compose/", "/app/pins/", "/app/pins/{pin}/", "/app/approvals/", "/app/calendar/",
         "/app/calendar/?view=week", "/app/assets/", "/app/accounts/", "/app/team/", "/app/team/settings",
         "/app/team/webhooks", "/app/team/audit", "/app/api-keys/", "/app/pins/{pin}/edit", "/accounts/login/"]


def test_main_pages_have_no_wcag_aa_violations(cast, browser_as, workspace, offline_account, offline_board):
    from publishing.models import Pin
    from publishing.services.pins import pin_create

    pins = bulk_pins(workspace, offline_account, offline_board, 3, status=PinStatus.PUBLISHED)
    bulk_pins(workspace, offline_account, offline_board, 2, status=PinStatus.FAILED, error_code="boom")
    waiting = pin_create(workspace=workspace, actor_user=cast.editor, source=Pin.Source.DASHBOARD,
                         data=pin_payload(offline_account, offline_board, idempotency_key="a11y-1"))
    pin_reject(pin=pin_create(workspace=workspace, actor_user=cast.editor, source=Pin.Source.DASHBOARD,
                              data=pin_payload(offline_account, offline_board, idempotency_key="a11y-2", title="Other")),
               actor_user=cast.manager, reason="Blurry")
    page = browser_as(cast.admin)
    axe = Axe()
    problems = {}
    for url in PAGES:
        page.goto(url.format(pin=waiting.public_id if "edit" in url else pins[0].public_id))
        results = axe.run(page, options=WCAG_AA)
        if results.violations_count:
            problems[url] = results.generate_report()
    assert not problems, "\n\n".join(f"{url}:\n{report}" for url, report in problems.items())
