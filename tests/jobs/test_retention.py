"""Retention: each table's old rows go after their configured age; what is still in use stays."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from publishing.models import (
    AccessToken,
    AnalyticsCollectionRun,
    AuditEvent,
    OAuthState,
    Pin,
    PinStatus,
    PublishAttempt,
    Webhook,
    WebhookDelivery,
)
from publishing.services.operations import PERIODIC_TASKS
from publishing.services.retention import records_prune
from publishing.tasks import prune_old_records

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@pytest.fixture
def clock_at_now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def made_at(moment: datetime, make):
    """Create a row as if at ``moment`` (auto_now fields take the frozen clock)."""
    with time_machine.travel(moment, tick=False):
        return make()


@pytest.fixture
def history(db, cast, workspace, offline_account, offline_board, clock_at_now):
    """Rows of every pruned kind, old and recent, named by what should become of them."""
    rows = {}

    def token(name, expires_at, revoked_at=None):
        rows[name] = AccessToken.objects.create(user=cast.editor, workspace=workspace, prefix=f"pbt_{name}",
                                                token_hash="0" * 64, expires_at=expires_at, revoked_at=revoked_at)

    token("token expired 8 days ago", days_ago(8))
    token("token revoked 10 days ago", NOW + timedelta(days=30), revoked_at=days_ago(10))
    token("token expired 6 days ago", days_ago(6))
    token("live token", NOW + timedelta(hours=1))

    def pin(name, status, at):
        def make():
            made = Pin.objects.create(workspace=workspace, account=offline_account,
                                      board_id=offline_board.pinterest_board_id, idempotency_key=name,
                                      payload_fingerprint="f", title=name, status=status)
            for number in (1, 2):
                PublishAttempt.objects.create(pin=made, number=number)
            return made
        rows[name] = made_at(at, make)

    pin("published 100 days ago", PinStatus.PUBLISHED, days_ago(100))
    pin("failed 100 days ago", PinStatus.FAILED, days_ago(100))
    pin("deferred since 100 days ago", PinStatus.DEFERRED, days_ago(100))
    pin("published 10 days ago", PinStatus.PUBLISHED, days_ago(10))

    webhook = Webhook.objects.create(workspace=workspace, url="https://hooks.example.com/h", secret="s" * 20)
    for name, status, at in [("delivered 40 days ago", "delivered", days_ago(40)),
                             ("failed 40 days ago", "failed", days_ago(40)),
                             ("pending since 40 days ago", "pending", days_ago(40)),
                             ("delivered 5 days ago", "delivered", days_ago(5))]:
        rows[name] = made_at(at, lambda status=status, name=name: WebhookDelivery.objects.create(
            webhook=webhook, event_type="pin.published", payload={"name": name}, status=status))

    for name, expires_at in [
        ("state expired 2 days ago", days_ago(2)),
        ("state expired an hour ago", days_ago(1 / 24)),
    ]:
        rows[name] = OAuthState.objects.create(state=name, workspace=workspace, expires_at=expires_at)

    rows["audit 1000 days old"] = made_at(days_ago(1000), lambda: AuditEvent.objects.create(
        team=cast.team, actor_label="alice@acme.test", action="pin.create"))
    return rows


def remaining(model, field):
    return set(model.objects.values_list(field, flat=True))


def test_each_table_loses_only_what_is_past_its_age(history):
    counts = records_prune()
    assert counts == {"access_tokens": 2, "publish_attempts": 4, "webhook_deliveries": 2, "oauth_states": 1,
                      "audit_events": 0, "notifications": 0, "analytics_runs": 0}
    assert remaining(AccessToken, "prefix") == {"pbt_token expired 6 days ago", "pbt_live token"}
    assert remaining(PublishAttempt, "pin__title") == {"deferred since 100 days ago", "published 10 days ago"}
    assert PublishAttempt.objects.count() == 4
    assert Pin.objects.count() == 4  # the pins themselves stay
    assert remaining(WebhookDelivery, "payload__name") == {"pending since 40 days ago", "delivered 5 days ago"}
    assert remaining(OAuthState, "state") == {"state expired an hour ago"}
    assert AuditEvent.objects.filter(pk=history["audit 1000 days old"].pk).exists()


def test_pruning_twice_deletes_nothing_more(history):
    records_prune()
    assert sum(records_prune().values()) == 0


def test_the_audit_log_is_pruned_only_when_configured(history, settings):
    settings.RETENTION_AUDIT_DAYS = 365
    assert records_prune()["audit_events"] == 1
    assert not AuditEvent.objects.filter(pk=history["audit 1000 days old"].pk).exists()
    assert AuditEvent.objects.exists()  # this year's events stay


def test_ages_are_configurable_and_zero_keeps_forever(history, settings):
    settings.RETENTION_PUBLISH_ATTEMPTS_DAYS = 5
    settings.RETENTION_WEBHOOK_DELIVERIES_DAYS = 0
    counts = records_prune()
    assert counts["publish_attempts"] == 6 and counts["webhook_deliveries"] == 0
    assert remaining(PublishAttempt, "pin__title") == {"deferred since 100 days ago"}


def test_prune_command_dry_run_counts_and_deletes_nothing(history):
    out = StringIO()
    call_command("prune", "--dry-run", stdout=out)
    assert "publish_attempts: would delete 4" in out.getvalue() and "Done: would delete 9 row(s)." in out.getvalue()
    assert PublishAttempt.objects.count() == 8 and AccessToken.objects.count() == 4
    out = StringIO()
    call_command("prune", stdout=out)
    assert "Done: deleted 9 row(s)." in out.getvalue() and PublishAttempt.objects.count() == 4


def test_pruning_is_a_periodic_task(history):
    assert {task.func: task.minutes for task in PERIODIC_TASKS}["publishing.tasks.prune_old_records"] == 60
    assert prune_old_records()["access_tokens"] == 2


def test_read_notifications_go_after_their_age_unread_and_unsent_ones_stay(history, cast):
    from publishing.models import Notification

    def notification(text, *, read_days_ago=None, email=Notification.EmailStatus.NONE):
        return Notification.objects.create(
            recipient=cast.editor, team=cast.team, event="pin.approved", actor_label="mona@acme.test", text=text,
            read_at=None if read_days_ago is None else days_ago(read_days_ago), email_status=email)

    notification("read 100 days ago", read_days_ago=100)
    notification("read 100 days ago, sent", read_days_ago=100, email=Notification.EmailStatus.SENT)
    notification("read 10 days ago", read_days_ago=10)
    notification("never read")
    notification("read 100 days ago, email still retrying", read_days_ago=100, email=Notification.EmailStatus.PENDING)
    assert records_prune()["notifications"] == 2
    assert remaining(Notification, "text") == {"read 10 days ago", "never read",
                                               "read 100 days ago, email still retrying"}


def test_analytics_collection_runs_go_after_their_age_a_running_one_stays(history, offline_account, settings):
    Run = AnalyticsCollectionRun

    def run(name, days, outcome):
        Run.objects.create(account=offline_account, kind=Run.Kind.DAILY, outcome=outcome, error=name,
                           start_date=days_ago(days).date(), end_date=days_ago(days).date(),
                           started_at=days_ago(days))

    run("succeeded 100 days ago", 100, Run.Outcome.SUCCEEDED)
    run("failed 91 days ago", 91, Run.Outcome.FAILED)
    run("running since 100 days ago", 100, Run.Outcome.RUNNING)
    run("succeeded 89 days ago", 89, Run.Outcome.SUCCEEDED)
    assert records_prune(dry_run=True)["analytics_runs"] == 2 and Run.objects.count() == 4
    assert records_prune()["analytics_runs"] == 2
    assert remaining(Run, "error") == {"running since 100 days ago", "succeeded 89 days ago"}
    settings.RETENTION_ANALYTICS_RUNS_DAYS = 0  # kept forever
    run("succeeded 1000 days ago", 1000, Run.Outcome.SUCCEEDED)
    assert records_prune()["analytics_runs"] == 0
