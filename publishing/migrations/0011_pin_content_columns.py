# Pin's content fields moved to the abstract PinContentColumns (publishing.content holds their
# limits): the reverse names become "%(class)ss" patterns and description records its length.
# No column changes.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("publishing", "0010_auditevent_actor_key"),
    ]

    operations = [
        migrations.AlterField(
            model_name="pin",
            name="asset",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="%(class)ss", to="publishing.asset"),
        ),
        migrations.AlterField(
            model_name="pin",
            name="cover_image_asset",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="cover_for_%(class)ss", to="publishing.asset"),
        ),
        migrations.AlterField(
            model_name="pin",
            name="description",
            field=models.TextField(blank=True, max_length=800),
        ),
    ]
