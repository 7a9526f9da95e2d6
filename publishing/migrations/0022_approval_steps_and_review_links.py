from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("publishing", "0021_notifications"),
    ]

    operations = []
