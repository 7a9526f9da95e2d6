from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("publishing", "0020_pin_comments"),
    ]

    operations = []
