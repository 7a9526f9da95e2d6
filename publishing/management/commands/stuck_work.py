"""List work that should have moved and did not; with --requeue, hand it back to the workers."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from publishing.services.operations import stuck_work_find, stuck_work_requeue


class Command(BaseCommand):
    help = "List stuck pins, schedules and webhook deliveries; --requeue enqueues them again."

    def add_arguments(self, parser):
        parser.add_argument("--requeue", action="store_true", help="Enqueue every stuck item again.")

    def handle(self, *args, **options):
        now = timezone.now()
        stuck = stuck_work_find(now=now)
        for pin in stuck.pins:
            since = pin.lease_expires_at or pin.next_attempt_at or pin.updated_at
            self.stdout.write(f"pin       {pin.public_id}  {pin.status:<10} since {since:%Y-%m-%d %H:%M:%S}  "
                              f"{pin.workspace.team.name} / {pin.title[:40]}")
        for schedule in stuck.schedules:
            self.stdout.write(f"schedule  {schedule.public_id}  due {schedule.run_at:%Y-%m-%d %H:%M:%S}  "
                              f"{schedule.workspace.team.name}")
        for delivery in stuck.deliveries:
            self.stdout.write(f"webhook   {delivery.public_id}  {delivery.event_type:<13} "
                              f"attempts {delivery.attempt_count}  {delivery.webhook.url}")
        self.stdout.write(f"{stuck.total} stuck item(s).")
        if options["requeue"]:
            requeued = stuck_work_requeue(now=now)
            pins = requeued["pins"]
            self.stdout.write(self.style.SUCCESS(
                f"Requeued pins: {pins['deferred_due']} deferred, {pins['lease_expired']} with an expired lease, "
                f"{pins['queued_stale']} queued; ran {requeued['schedules_run']} schedule(s); "
                f"re-sent {requeued['webhook_deliveries']} webhook delivery(ies); "
                f"resumed {requeued['imports']} import(s)."))
