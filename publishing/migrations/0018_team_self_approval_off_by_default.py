# New teams refuse self-approval (issue 13). Only the default changes: existing teams keep the rule
# they have, since flipping it would stop their managers' own pins without anyone choosing that.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("publishing", "0017_schedule_own_status_constraint"),
    ]

    operations = [
        migrations.AlterField(
            model_name="team",
            name="allow_self_approval",
            field=models.BooleanField(default=False),
        ),
    ]
