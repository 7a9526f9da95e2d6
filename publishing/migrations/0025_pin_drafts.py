from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("publishing", "0024_asset_thumbnails"),
    ]

    operations = []
