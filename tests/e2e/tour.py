"""The one list of dashboard pages the browser tours visit (``furnished``), with content on each:
test_every_device.py (no sideways scroll at 390/768/1280/1440 px, axe at 390 px, screenshots at 390
and 1280 px) and test_accessibility.py (axe at 1280 px) both walk it, so a page added here is checked
at every width. A new dashboard page belongs here."""

from datetime import timedelta

import pytest
from django.utils import timezone

from publishing.access import Actor
from publishing.models import Pin, PinStatus
from publishing.services.compose_drafts import compose_draft_save
from publishing.services.imports import pin_import_create
from publishing.services.keys import api_key_create
from publishing.services.pins import pin_create, pin_reject
from publishing.services.review_links import review_link_create
from publishing.services.schedules import schedule_create
from publishing.services.teams import invitation_create
from publishing.services.webhooks import webhook_create
from tests.analytics_seed import record_run, seed_account_days, seed_pin_figures
from tests.pipeline_fixtures import pin_payload
from tests.web.helpers import bulk_pins

# Long words are what push a phone's page sideways: titles, account names, URLs and emails.
LONG_TITLE = "Hand-finished solid oak dining chair with a red lacquered seat and brass-capped legs"
# axe-core's WCAG 2.2 A/AA rules, as every tour runs them.
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}
# Signed out (a tour clears its cookies before it): a guest's review page.
GUEST_PAGES = ("review",)


@pytest.fixture
def furnished(cast, workspace, offline_account, offline_board, settings):
    """A workspace with something on every page: pins in each state, a decision, a schedule, a key,
    a webhook, an invitation, a draft, an import and a review link. Returns the page addresses of the
    tour, by screenshot name (``GUEST_PAGES`` are visited signed out, after the others)."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    editor = Actor.for_user(cast.editor, workspace)
    system = Actor.system(workspace, job="test")
    published = bulk_pins(workspace, offline_account, offline_board, 3, status=PinStatus.PUBLISHED,
                          published_at=timezone.now(), title=LONG_TITLE)
    # Today's cell holds more than the month shows (4): its "+N more" and the day's own page are toured.
    bulk_pins(workspace, offline_account, offline_board, 3, status=PinStatus.PUBLISHED, published_at=timezone.now(),
              title="Oak stool")
    bulk_pins(workspace, offline_account, offline_board, 2, status=PinStatus.FAILED, error_code="boom")
    waiting = pin_create(actor=editor, source=Pin.Source.DASHBOARD,
                         data=pin_payload(offline_account, offline_board, idempotency_key="tour-1", title=LONG_TITLE))
    rejected = pin_create(actor=editor, source=Pin.Source.DASHBOARD,
                          data=pin_payload(offline_account, offline_board, idempotency_key="tour-2", title="Blurry"))
    pin_reject(pin=rejected, actor=Actor.for_user(cast.manager, workspace),
               reason="The photo is blurry; please upload the sharper one from the shoot")
    schedule = schedule_create(actor=Actor.for_user(cast.manager, workspace), data={
        **{k: v for k, v in pin_payload(offline_account, offline_board, title=LONG_TITLE).items()
           if k != "idempotency_key"},
        "run_at": timezone.now() + timedelta(hours=2)})
    api_key_create(actor=system, name="Shopify catalogue sync for the spring collection")
    webhook_create(actor=system, url="https://hooks.example.com/pinboard/events/receiver/for/the/shop", secret="s" * 32)
    invitation_create(actor=system, email="a.very.long.name.for.a.new.hire@acme-example.test", role="editor")
    compose_draft_save(actor=editor, data={"title": LONG_TITLE, "board_id": offline_board.pinterest_board_id})
    imported = pin_import_create(actor=editor, source_type="json", source_filename="spring-catalogue.json", rows=[
        pin_payload(offline_account, offline_board, idempotency_key=f"import-{n}", title=LONG_TITLE) for n in range(2)])
    # Stored analytics: the account's last 30 days (one without figures) and the first published pin's.
    today = timezone.localdate(timezone=workspace.zone)
    seed_account_days(offline_account, today - timedelta(days=29), 30)
    seed_pin_figures(published[0], today - timedelta(days=13), 14)
    record_run(offline_account)
    review = review_link_create(actor=Actor.for_user(cast.manager, workspace), pin_ids=[waiting.public_id],
                                guest_name="Guest reviewer from the client's marketing team")
    return {
        "overview": "/app/",
        "compose": "/app/compose/",
        "drafts": "/app/drafts/",
        "pins": "/app/pins/",
        "pin-detail": f"/app/pins/{published[0].public_id}/",
        "pin-edit": f"/app/pins/{waiting.public_id}/edit",
        "approvals": "/app/approvals/",
        "calendar": "/app/calendar/",
        "calendar-week": "/app/calendar/?view=week",
        "calendar-day": f"/app/calendar/days/{timezone.localdate(timezone=workspace.zone):%Y-%m-%d}/",
        "schedule-detail": f"/app/calendar/schedules/{schedule.public_id}/",
        "assets": "/app/assets/",
        "accounts": "/app/accounts/",
        "analytics": "/app/analytics/",
        "account-analytics": f"/app/accounts/{offline_account.public_id}/analytics",
        "team": "/app/team/",
        "team-settings": "/app/team/settings",
        "team-webhooks": "/app/team/webhooks",
        "team-audit": "/app/team/audit",
        "api-keys": "/app/api-keys/",
        "notifications": "/app/notifications/",
        "pins-import": "/app/pins/imports/",
        "pins-import-detail": f"/app/pins/imports/{imported.public_id}/",
        "workspace-settings": "/app/settings/",
        "accessibility": "/app/accessibility/",
        "review": f"/review/{review.token}",
    }
