# Schedules wait in their own table until they are due (services/schedules.py, schedules_dispatch_due),
# not as delayed rows in django-q's OrmQ table; the rows still delayed there (publishing retries,
# webhook and email retries) are polled through an index on (key, lock) (publishing/brokers.py, OrmBroker).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('publishing', '0026_posting_slots'),
        ('django_q', '0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more'),
    ]

    operations = [
        migrations.AddField(
            model_name='schedule',
            name='dispatched_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        # django-q's table, which its own migrations leave without an index on lock: every poll of the
        # ORM broker looks for the oldest due row of its queue.
        migrations.RunSQL(
            'CREATE INDEX "pinboard_ormq_key_lock_idx" ON "django_q_ormq" ("key", "lock")',
            reverse_sql='DROP INDEX "pinboard_ormq_key_lock_idx"',
        ),
    ]
