from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("publishing", "0025_pin_drafts"),
    ]

    operations = []
