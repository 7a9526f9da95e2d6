# Schedules with a pin (and not canceled) held a copy of the pin's status and error; their own
# column now says only that the pin was made ("queued"), and the error is read from the pin.
# Reversed, the copies are written back from the pins.

from django.db import migrations

CANCELED = "canceled"
# The pin's status in a schedule's words (publishing.models.pins.SCHEDULE_STATUS_OF_PIN_STATUS).
STATUS_OF_PIN_STATUS = {"queued": "queued", "deferred": "deferred", "publishing": "running", "published": "done",
                        "failed": "failed"}


def copies_to_own_status(apps, schema_editor):
    Schedule = apps.get_model("publishing", "Schedule")
    Schedule.objects.filter(pin__isnull=False).exclude(own_status=CANCELED).update(own_status="queued", own_error="")


def own_status_to_copies(apps, schema_editor):
    Schedule = apps.get_model("publishing", "Schedule")
    for schedule in Schedule.objects.filter(pin__isnull=False).exclude(own_status=CANCELED).select_related("pin"):
        schedule.own_status = STATUS_OF_PIN_STATUS[schedule.pin.status]
        schedule.own_error = schedule.pin.error_message if schedule.pin.status == "failed" else ""
        schedule.save(update_fields=["own_status", "own_error"])


class Migration(migrations.Migration):

    dependencies = [
        ("publishing", "0015_schedule_own_status"),
    ]

    operations = [migrations.RunPython(copies_to_own_status, own_status_to_copies)]
