# Schedules get the same typed content columns as pins (PinContentColumns). They start empty; the
# next migration fills them from each schedule's JSON payload, and the one after drops it. Three
# migrations, not one: PostgreSQL refuses to alter a table in the transaction that just wrote
# rows with deferred foreign-key checks (the asset columns).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("publishing", "0011_pin_content_columns"),
    ]

    operations = [
        migrations.AddField(
            model_name="schedule",
            name="board_id",
            field=models.CharField(default="", help_text="Pinterest board id", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="schedule",
            name="title",
            field=models.CharField(default="", max_length=100),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="schedule",
            name="description",
            field=models.TextField(blank=True, max_length=800),
        ),
        migrations.AddField(
            model_name="schedule",
            name="link_url",
            field=models.URLField(blank=True, max_length=2048),
        ),
        migrations.AddField(
            model_name="schedule",
            name="alt_text",
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.AddField(
            model_name="schedule",
            name="dominant_color",
            field=models.CharField(blank=True, max_length=7),
        ),
        migrations.AddField(
            model_name="schedule",
            name="related_terms",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="schedule",
            name="image_url",
            field=models.URLField(blank=True, max_length=2048),
        ),
        migrations.AddField(
            model_name="schedule",
            name="asset",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="%(class)ss", to="publishing.asset"),
        ),
        migrations.AddField(
            model_name="schedule",
            name="cover_image_url",
            field=models.URLField(blank=True, max_length=2048),
        ),
        migrations.AddField(
            model_name="schedule",
            name="cover_image_asset",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="cover_for_%(class)ss", to="publishing.asset"),
        ),
    ]
