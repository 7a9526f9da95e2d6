import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("publishing", "0025_pin_drafts"),
    ]

    operations = [
        migrations.CreateModel(
            name="PostingSlot",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("weekday", models.PositiveSmallIntegerField()),
                ("local_time", models.TimeField()),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("account", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                              related_name="posting_slots", to="publishing.pinterestaccount")),
            ],
            options={
                "ordering": ["account_id", "weekday", "local_time"],
                "constraints": [
                    models.UniqueConstraint(fields=("account", "weekday", "local_time"),
                                            name="posting_slot_unique_per_account_weekday_time"),
                    models.CheckConstraint(condition=models.Q(("weekday__gte", 0), ("weekday__lte", 6)),
                                           name="posting_slot_weekday_valid"),
                ],
            },
        ),
    ]
