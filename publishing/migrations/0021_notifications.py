# Notifications (issue 13): the in-app notifications with their email's delivery state, each
# member's per-event choices, and the SDK's email preferences.

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("publishing", "0020_pin_comments"),
    ]

    operations = [
        migrations.CreateModel(
            name="EmailPreference",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("transactional_enabled", models.BooleanField(default=True)),
                ("alerts_enabled", models.BooleanField(default=True)),
                ("verification_enabled", models.BooleanField(default=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("team", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                           to="publishing.team")),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                           related_name="email_preferences", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("user", "team"), name="email_preference_unique")],
            },
        ),
        migrations.CreateModel(
            name="Notification",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("event", models.CharField(max_length=64)),
                ("actor_label", models.CharField(max_length=255)),
                ("text", models.CharField(max_length=500)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("read_at", models.DateTimeField(blank=True, null=True)),
                ("email_status", models.CharField(choices=[("none", "Not emailed"), ("pending", "Pending"),
                                                           ("sent", "Sent"), ("failed", "Failed")],
                                                  default="none", max_length=16)),
                ("email_attempts", models.PositiveIntegerField(default=0)),
                ("email_last_error", models.CharField(blank=True, max_length=1000)),
                ("email_next_attempt_at", models.DateTimeField(blank=True, null=True)),
                ("email_sent_at", models.DateTimeField(blank=True, null=True)),
                ("pin", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                          related_name="+", to="publishing.pin")),
                ("recipient", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                related_name="notifications", to=settings.AUTH_USER_MODEL)),
                ("schedule", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                               related_name="+", to="publishing.schedule")),
                ("team", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="notifications",
                                           to="publishing.team")),
                ("workspace", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE,
                                                related_name="+", to="publishing.workspace")),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "indexes": [
                    models.Index(condition=models.Q(("read_at__isnull", True)), fields=["recipient", "team"],
                                 name="notification_unread_idx"),
                    models.Index(fields=["recipient", "team", "-created_at"], name="notification_list_idx"),
                    models.Index(fields=["email_status", "email_next_attempt_at"],
                                 name="notification_email_due_idx"),
                ],
            },
        ),
        migrations.CreateModel(
            name="NotificationPreference",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("event", models.CharField(max_length=64)),
                ("in_app", models.BooleanField()),
                ("email", models.BooleanField()),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("team", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                           to="publishing.team")),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                           related_name="notification_preferences", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("user", "team", "event"),
                                                        name="notification_preference_unique")],
            },
        ),
    ]
