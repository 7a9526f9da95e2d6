# A schedule's status column becomes its own status (own_status, own_error): what it says before
# its pin exists, or that it was canceled. Once it has a pin, Schedule.status and last_error read
# the pin's instead of a copy. 0016 rewrites the copies; 0017 then narrows the column's values.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("publishing", "0014_remove_schedule_payload"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="schedule", name="schedule_status_valid"),
        migrations.RemoveIndex(model_name="schedule", name="schedule_due_idx"),
        migrations.RenameField(model_name="schedule", old_name="status", new_name="own_status"),
        migrations.RenameField(model_name="schedule", old_name="last_error", new_name="own_error"),
    ]
