# The due-scanner's index on the renamed column, and the values a schedule's own status may take.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("publishing", "0016_schedule_own_status_from_copies"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="schedule",
            index=models.Index(fields=["own_status", "run_at"], name="schedule_due_idx"),
        ),
        migrations.AddConstraint(
            model_name="schedule",
            constraint=models.CheckConstraint(
                condition=models.Q(own_status__in=["scheduled", "queued", "failed", "canceled"]),
                name="schedule_own_status_valid",
            ),
        ),
    ]
