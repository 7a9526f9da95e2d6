from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("publishing", "0023_comments_on_schedules"),
    ]

    operations = [
        migrations.AddField(
            model_name="asset",
            name="thumbnail",
            field=models.FileField(blank=True, max_length=300, upload_to=""),
        ),
        migrations.AddField(
            model_name="asset",
            name="thumbnail_width",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="asset",
            name="thumbnail_height",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="asset",
            name="thumbnail_error",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name="asset",
            name="key_frames",
            field=models.JSONField(blank=True, default=list),
        ),
    ]
