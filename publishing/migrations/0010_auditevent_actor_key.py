import django.db.models.deletion
from django.db import migrations, models


def link_keys(apps, schema_editor):
    """Earlier events named a key two ways ("API key <prefix>", "key <prefix>"): link the key and
    keep one spelling."""
    AuditEvent = apps.get_model("publishing", "AuditEvent")
    ApiKey = apps.get_model("publishing", "ApiKey")
    for spelling in ("API key ", "key "):
        for event in AuditEvent.objects.filter(actor_label__startswith=spelling, actor_key__isnull=True).iterator():
            prefix = event.actor_label[len(spelling):]
            key = ApiKey.objects.filter(prefix=prefix).first()
            # update(): the model refuses save() on an existing (append-only) event.
            AuditEvent.objects.filter(pk=event.pk).update(actor_key=key, actor_label=f"API key {prefix}")


class Migration(migrations.Migration):

    dependencies = [
        ('publishing', '0009_oauthstate_api_key'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditevent',
            name='actor_key',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name='+', to='publishing.apikey'),
        ),
        migrations.RunPython(link_keys, migrations.RunPython.noop),
    ]
