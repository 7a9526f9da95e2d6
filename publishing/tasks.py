"""django-q2 entry points: ids in, one service call each. Every task is safe to run twice."""

from datetime import timedelta

from publishing.services import assets
from publishing.services.analytics_collection import analytics_collect_due, collect_account_run
from publishing.services.auth import password_reset_email_send
from publishing.services.boards import boards_refresh_run
from publishing.services.delivery import pin_publish, pins_requeue_due, pins_watch_leases
from publishing.services.imports import pin_imports_requeue_due
from publishing.services.notifications import notification_email_send, notification_emails_requeue_due
from publishing.services.operations import stuck_work_requeue
from publishing.services.pinterest_accounts import oauth_states_delete_expired
from publishing.services.retention import records_prune
from publishing.services.schedules import schedule_run, schedules_run_due
from publishing.services.teams import invitation_email_send
from publishing.services.thumbnails import asset_thumbnail_make
from publishing.services.webhooks import webhook_deliveries_requeue_due, webhook_delivery_attempt


def send_password_reset(email: str) -> bool:
    """Email a password reset token if the address has an account (see auth.password_reset_request)."""
    return password_reset_email_send(email=email)


def send_invitation(invitation_id: int, placeholder_hash: str, attempt: int = 1) -> str:
    """Issue an invitation's token and email it; a failure is tried again (see teams.invitation_email_send)."""
    return invitation_email_send(invitation_id=invitation_id, placeholder_hash=placeholder_hash, attempt=attempt)


def media_upload_run(media_upload_id: int) -> None:
    """Send one video to Pinterest's media endpoint (see assets.media_upload_process)."""
    assets.media_upload_process(media_upload_id=media_upload_id)


def refresh_boards(account_id: int) -> str:
    """Page an account's boards from Pinterest into the cache (see boards.boards_refresh_run)."""
    return boards_refresh_run(account_id=account_id)


def make_asset_thumbnail(asset_id: int) -> None:
    """Make an asset's thumbnail (and a video's key frames); see thumbnails.asset_thumbnail_make."""
    asset_thumbnail_make(asset_id=asset_id)


# --- the publishing pipeline (services/delivery.py, schedules.py, webhooks.py) ------------------


def publish_pin(pin_id: int, due_at: str | None = None) -> str:
    """One publishing step for one pin (claim, reconcile, call Pinterest, record the outcome);
    ``due_at``: the time the job was enqueued for (a job that comes early is enqueued again)."""
    return pin_publish(pin_id=pin_id, due_at=due_at)


def run_schedule(schedule_id: int) -> str:
    """Turn a due schedule into its pin (a no-op when it is not due or already ran), and publish it."""
    return schedule_run(schedule_id=schedule_id, publish=True)


def deliver_webhook(delivery_id: int) -> str:
    """Send one webhook delivery attempt (a no-op when it is delivered or not due)."""
    return webhook_delivery_attempt(delivery_id=delivery_id)


def send_notification_email(notification_id: int) -> str:
    """One attempt to email one notification; a failure enqueues the next attempt with backoff."""
    return notification_email_send(notification_id=notification_id)


def sweep_notification_emails() -> int:
    """Periodic: re-send notification emails whose job was lost."""
    return notification_emails_requeue_due()


def sweep_pins() -> dict:
    """Periodic: requeue due deferred pins, pins whose worker died (expired lease), stale queued pins;
    resume imports whose run died or whose job was lost; delete long-expired OAuth round trips."""
    return {**pins_requeue_due(), "imports_resumed": pin_imports_requeue_due(),
            "oauth_states_deleted": oauth_states_delete_expired()}


def run_due_schedules() -> int:
    """Periodic: run every due schedule, including those that fell due while workers were down."""
    return schedules_run_due()


def sweep_webhook_deliveries() -> int:
    """Periodic: re-send webhook deliveries whose job was lost."""
    return webhook_deliveries_requeue_due()


def prune_old_records() -> dict:
    """Periodic: delete rows past their retention age (services/retention.py)."""
    return records_prune()


def collect_account_analytics(account_id: int, kind: str) -> str:
    """Collect one account's Pinterest analytics (see analytics_collection.collect_account)."""
    return collect_account_run(account_id=account_id, kind=kind)


def collect_due_analytics() -> int:
    """Periodic: enqueue the daily analytics collection of each account whose time of day has come."""
    return analytics_collect_due()


def recover_orphaned_work() -> dict:
    """After a worker starts: requeue everything due, and watch the leases of pins left in
    ``publishing`` so each is taken over the moment its lease expires."""
    return {**stuck_work_requeue(queued_for=timedelta(0)), "leases_watched": pins_watch_leases()}
