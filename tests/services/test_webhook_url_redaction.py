"""The audit trail keeps webhook URLs without their credentials (userinfo, query, fragment)."""

import pytest

from publishing.access import Actor
from publishing.models import AuditEvent, Workspace
from publishing.services.webhooks import webhook_create, webhook_delete, webhook_update, webhook_url_redacted

SECRET_URL = "https://robot:hunter2@hooks.example.com/pins/in?token=tok-s3cret"


@pytest.mark.parametrize(("url", "redacted"), [
    ("https://hooks.example.com/pins", "https://hooks.example.com/pins"),
    ("https://hooks.example.com", "https://hooks.example.com"),
    ("https://user:pass@hooks.example.com/in", "https://hooks.example.com/in…"),
    ("https://user@hooks.example.com:8443/in", "https://hooks.example.com:8443/in…"),
    ("http://hooks.example.com/in?token=abc&x=1", "http://hooks.example.com/in…"),
    ("http://hooks.example.com/in#key=abc", "http://hooks.example.com/in…"),
    ("https://a:b@[2001:db8::1]:9000/x?k=v", "https://[2001:db8::1]:9000/x…"),
    ("https://HOOKS.example.com/Case", "https://hooks.example.com/Case"),
])
def test_the_redacted_url_keeps_scheme_host_port_and_path_only(url, redacted):
    assert webhook_url_redacted(url) == redacted


def test_audit_details_keep_only_the_redacted_url(cast, settings):
    workspace = cast.team.workspaces.get(environment=Workspace.Environment.SANDBOX)
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # no DNS here
    webhook = webhook_create(actor=Actor.for_user(cast.admin, workspace), url=SECRET_URL, secret="s" * 32)
    webhook_update(
        webhook=webhook, data={"url": SECRET_URL + "&more=1"}, actor=Actor.for_user(cast.admin, webhook.workspace)
    )
    webhook.refresh_from_db()
    assert webhook.url == SECRET_URL + "&more=1"  # the delivery target itself is kept whole
    webhook_delete(webhook=webhook, actor=Actor.for_user(cast.admin, webhook.workspace))

    events = AuditEvent.objects.filter(team=workspace.team, action__startswith="webhook.").order_by("id")
    assert [event.action for event in events] == ["webhook.created", "webhook.updated", "webhook.deleted"]
    stored = repr([event.details for event in events])
    for secret_part in ("hunter2", "robot", "tok-s3cret", "token="):
        assert secret_part not in stored
    assert events[0].details["url"] == events[2].details["url"] == "https://hooks.example.com/pins/in…"
