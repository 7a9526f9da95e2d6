"""Webhook URLs may carry credentials: only members who manage integrations see them in full."""

import pytest

from publishing.access import Actor
from publishing.models import WebhookDelivery
from publishing.services.webhooks import webhook_create

SECRET_URL = "https://robot:hunter2@hooks.example.com/pins/in?token=tok-s3cret#frag"
REDACTED = "https://hooks.example.com/pins/in…"


@pytest.fixture
def credentialed_webhook(workspace, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # no DNS here: the address check has its own tests
    return webhook_create(actor=Actor.system(workspace, job="test"), url=SECRET_URL, secret="s" * 32,
                          events=["pin.published", "pin.failed"])


def assert_no_credentials(page: str) -> None:
    for secret_part in ("hunter2", "robot", "tok-s3cret", "token=", "frag"):
        assert secret_part not in page


@pytest.mark.parametrize("role", ["viewer", "editor", "manager"])
def test_members_who_cannot_manage_integrations_see_the_redacted_url(cast, login, credentialed_webhook, role):
    page = login(getattr(cast, role)).get("/app/team/webhooks").content.decode()
    assert REDACTED in page
    assert_no_credentials(page)


def test_the_admin_sees_the_full_url(cast, login, credentialed_webhook):
    page = login(cast.admin).get("/app/team/webhooks").content.decode()
    assert SECRET_URL.replace("&", "&amp;") in page


def test_the_delivery_log_is_redacted_for_viewers(cast, login, credentialed_webhook):
    WebhookDelivery.objects.create(webhook=credentialed_webhook, event_type="pin.failed", payload={})
    page = login(cast.viewer).get("/app/team/webhooks").content.decode()
    assert "pin.failed" in page and "https://hooks.example.com/pins/in" in page
    assert_no_credentials(page)
