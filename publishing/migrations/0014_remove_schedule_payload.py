# The payload's content now lives in the schedule's columns (0013 copied it). Reversed, the
# column comes back empty (default {}) and 0013's reverse fills it from the columns.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("publishing", "0013_schedule_content_from_payload"),
    ]

    operations = [migrations.RemoveField(model_name="schedule", name="payload")]
