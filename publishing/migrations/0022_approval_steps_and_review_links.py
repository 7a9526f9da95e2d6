import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

APPROVAL_STATES = [("not_required", "Not required"), ("pending", "Awaiting approval"), ("approved", "Approved"),
                   ("rejected", "Rejected")]


def schedules_awaiting_approval_say_so(apps, schema_editor):
    """Schedules that need approval and have not made their pin yet now wait for a decision of their own
    (before, they had nowhere to keep it and asked at run_at): they start pending."""
    Schedule = apps.get_model("publishing", "Schedule")
    Schedule.objects.filter(needs_approval=True, pin__isnull=True, own_status__in=["scheduled", "queued"]).update(
        approval_state="pending")


class Migration(migrations.Migration):

    dependencies = [
        ("publishing", "0021_notifications"),
    ]

    operations = [
        migrations.AddField(
            model_name="pin",
            name="approval_steps_done",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="schedule",
            name="approval_state",
            field=models.CharField(choices=APPROVAL_STATES, default="not_required", max_length=16),
        ),
        migrations.AddField(
            model_name="schedule",
            name="approval_steps_done",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="schedule",
            name="approved_by",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="+", to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name="schedule",
            name="decided_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="schedule",
            name="rejection_reason",
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.AddField(
            model_name="team",
            name="approval_steps",
            field=models.CharField(choices=[("one", "One step: a manager, an admin or a guest reviewer"),
                                            ("manager_then_guest", "Two steps: a manager, then a guest reviewer"),
                                            ("two_managers", "Two steps: two different managers")],
                                   default="one", max_length=24),
        ),
        migrations.CreateModel(
            name="ReviewLink",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("token_hash", models.CharField(max_length=64, unique=True)),
                ("purpose", models.CharField(choices=[("approval", "Approve or reject")], default="approval",
                                             max_length=16)),
                ("expires_at", models.DateTimeField()),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                ("guest_email", models.EmailField(blank=True, max_length=254)),
                ("guest_name", models.CharField(blank=True, max_length=120)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("last_opened_at", models.DateTimeField(blank=True, null=True)),
                ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                                 related_name="+", to=settings.AUTH_USER_MODEL)),
                ("pins", models.ManyToManyField(blank=True, related_name="review_links", to="publishing.pin")),
                ("schedules", models.ManyToManyField(blank=True, related_name="review_links",
                                                     to="publishing.schedule")),
                ("workspace", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                related_name="review_links", to="publishing.workspace")),
            ],
            options={
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="ApprovalDecision",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("step", models.PositiveSmallIntegerField()),
                ("guest_name", models.CharField(blank=True, max_length=120)),
                ("decided_by_label", models.CharField(max_length=255)),
                ("decision", models.CharField(choices=[("approved", "Approved"), ("rejected", "Rejected")],
                                              max_length=16)),
                ("comment", models.TextField(blank=True, max_length=2000)),
                ("at", models.DateTimeField(default=django.utils.timezone.now)),
                ("decided_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                                 related_name="+", to=settings.AUTH_USER_MODEL)),
                ("decided_by_key", models.ForeignKey(blank=True, null=True,
                                                     on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                                                     to="publishing.apikey")),
                ("pin", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE,
                                          related_name="approval_decisions", to="publishing.pin")),
                ("schedule", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE,
                                               related_name="approval_decisions", to="publishing.schedule")),
                ("workspace", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                related_name="approval_decisions", to="publishing.workspace")),
                ("review_link", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                                  related_name="decisions", to="publishing.reviewlink")),
            ],
            options={
                "ordering": ["at", "id"],
                "constraints": [models.CheckConstraint(
                    condition=models.Q(models.Q(("pin__isnull", False), ("schedule__isnull", True)),
                                       models.Q(("pin__isnull", True), ("schedule__isnull", False)), _connector="OR"),
                    name="approval_decision_on_pin_or_schedule")],
            },
        ),
        migrations.RunPython(schedules_awaiting_approval_say_so, migrations.RunPython.noop),
    ]
