from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("publishing", "0023_comments_on_schedules"),
    ]

    operations = []
