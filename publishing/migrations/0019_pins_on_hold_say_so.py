# Queued pins already waiting for approval get the error fields services.pins._hold_for_approval now
# sets on every new hold, so SDK users see them too (the message is copied here, frozen like a migration).

from django.db import migrations


def announce_existing_holds(apps, schema_editor):
    Pin = apps.get_model("publishing", "Pin")
    for pin in Pin.objects.filter(status="queued", approval_state="pending").select_related("workspace__team"):
        pin.error_code = "awaiting_approval"
        pin.error_message = f"Waiting for approval by a manager or admin of {pin.workspace.team.name}."
        pin.save(update_fields=["error_code", "error_message"])


def forget_holds(apps, schema_editor):
    Pin = apps.get_model("publishing", "Pin")
    Pin.objects.filter(error_code="awaiting_approval").update(error_code="", error_message="")


class Migration(migrations.Migration):

    dependencies = [
        ("publishing", "0018_team_self_approval_off_by_default"),
    ]

    operations = [
        migrations.RunPython(announce_existing_holds, forget_holds),
    ]
