from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("publishing", "0022_approval_steps_and_review_links"),
    ]

    operations = []
