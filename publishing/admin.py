from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.template.response import TemplateResponse

from publishing.access import Actor
from publishing.forms import GracePeriodField
from publishing.models import (
    ApiKey,
    ApprovalDecision,
    AuditEvent,
    Membership,
    Pin,
    PinStatus,
    PublishAttempt,
    ReviewLink,
    Team,
    User,
    WebhookDelivery,
    Workspace,
)
from publishing.services.delivery import pins_publish_now
from publishing.services.errors import DomainError
from publishing.services.keys import api_key_revoke, api_key_rotate
from publishing.services.pins import pin_retry
from publishing.services.webhooks import webhook_delivery_resend


def _site_admin(request, obj) -> Actor:
    """A superuser acting through Django's admin: outside any team, so a system actor named after them."""
    return Actor.system(obj.workspace, job=f"site admin {request.user.email}")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "last_login"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["public_id", "last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["public_id", "email", "password"]}),
        ("Profile", {"fields": ["full_name", "timezone"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class WorkspaceInline(admin.TabularInline):
    model = Workspace
    extra = 0


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "public_id", "approval_steps", "created_at"]
    search_fields = ["name"]
    readonly_fields = ["public_id"]
    inlines = [WorkspaceInline, MembershipInline]


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "environment", "timezone"]
    list_filter = ["environment"]
    list_select_related = ["team"]
    readonly_fields = ["public_id"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "role", "created_at"]
    list_filter = ["role"]
    list_select_related = ["user", "team"]
    search_fields = ["user__email", "team__name"]
    autocomplete_fields = ["user", "team"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is append-only, even for superusers."""

    list_display = ["created_at", "team", "actor_label", "action", "target_type", "target_id", "ip_address"]
    list_filter = ["action"]
    list_select_related = ["team"]
    search_fields = ["actor_label", "action", "target_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RotateKeysForm(forms.Form):
    """The rotate action's second step: how long the old secrets keep working."""

    grace = GracePeriodField(label="Keep the old keys working for", initial=[24, "hours"],
                             help_text="Deploy the new secrets within this time; 0 stops the old ones at once.")


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are issued and changed only through publishing.services.keys (never edited as rows), so
    secrets are shown exactly once and every change is audited."""

    list_display = [
        "name",
        "prefix",
        "workspace",
        "scope_list",
        "last_used_at",
        "expires_at",
        "revoked_at",
        "created_at",
    ]
    list_filter = ["revoked_at", "workspace__environment"]
    list_select_related = ["workspace__team"]
    search_fields = ["name", "prefix", "workspace__team__name"]
    # Every field read-only, and the hash never shown: keys change only through the services.
    readonly_fields = [
        *(field.name for field in ApiKey._meta.fields if field.name != "secret_hash"),
        "allowed_accounts",
    ]
    exclude = ["secret_hash"]
    actions = ["rotate_keys", "revoke_keys"]

    @admin.display(description="Scopes")
    def scope_list(self, key):
        return ", ".join(key.scopes)

    def has_add_permission(self, request):
        return False  # create keys in the dashboard (the secret is shown there once)

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the audit trail and rotation chain keep pointing at the row

    # Actions are open to anyone who may view the list unless they name a permission: viewing keys
    # must not be enough to mint new secrets or to cut integrations off.
    @admin.action(description="Revoke the selected keys (they stop working at once)", permissions=["change"])
    def revoke_keys(self, request, queryset):
        revoked = 0
        for key in queryset.select_related("workspace__team"):
            if key.revoked_at is None:
                api_key_revoke(key=key, actor=_site_admin(request, key))
                revoked += 1
        self.message_user(request, f"Revoked {revoked} key(s).", messages.SUCCESS)

    @admin.action(description="Rotate the selected keys (new secrets, old ones valid for a grace period)",
                  permissions=["change"])
    def rotate_keys(self, request, queryset):
        """Step 1 asks for the grace period; step 2 rotates and shows each new secret once."""
        keys = list(queryset.select_related("workspace__team"))
        form = RotateKeysForm(request.POST if "grace_0" in request.POST else None)
        if form.is_bound and form.is_valid():
            issued, refused = [], []
            for key in keys:
                try:
                    issued.append(api_key_rotate(key=key, grace=form.cleaned_data["grace"],
                                                 actor=_site_admin(request, key)))
                except DomainError as error:
                    refused.append((key, error.message))
            # Rendered, never redirected: the secrets exist only in this one response.
            response = TemplateResponse(request, "admin/publishing/apikey/rotated.html", {
                **self.admin_site.each_context(request), "title": "New API key secrets", "issued": issued,
                "refused": refused, "grace": form.cleaned_data["grace"], "opts": self.model._meta,
            })
            response["Cache-Control"] = "no-store"
            return response
        return TemplateResponse(request, "admin/publishing/apikey/rotate_confirm.html", {
            **self.admin_site.each_context(request), "title": "Rotate API keys", "keys": keys, "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME, "opts": self.model._meta,
        })


# --- the publishing pipeline: pins, their attempts, webhook deliveries (read-only + actions) ------


class PublishAttemptInline(admin.TabularInline):
    """The truthful record of every call to Pinterest for this pin."""

    model = PublishAttempt
    extra = 0
    can_delete = False
    fields = ["number", "action", "outcome", "http_status", "error_code", "error_message", "pinterest_pin_id",
              "started_at", "finished_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Pin)
class PinAdmin(admin.ModelAdmin):
    """Pins change only through publishing.services (so every change is audited and enqueued)."""

    list_display = ["title", "workspace", "status", "approval_state", "error_code", "attempt_count",
                    "next_attempt_at", "lease_expires_at", "created_at"]
    list_filter = ["status", "approval_state", "source", "workspace__environment"]
    list_select_related = ["workspace__team"]
    search_fields = ["title", "idempotency_key", "pinterest_pin_id", "public_id"]
    readonly_fields = [field.name for field in Pin._meta.fields]
    inlines = [PublishAttemptInline]
    actions = ["publish_now", "retry_failed"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Publish now (waiting pins become due; pins of dead workers are taken over)",
                  permissions=["change"])
    def publish_now(self, request, queryset):
        nudged = pins_publish_now(pins=list(queryset))
        self.message_user(request, f"Enqueued {nudged} pin(s) for publishing.", messages.SUCCESS)

    @admin.action(description="Retry the selected failed pins", permissions=["change"])
    def retry_failed(self, request, queryset):
        retried, refused = 0, 0
        for pin in queryset.filter(status=PinStatus.FAILED):
            try:
                pin_retry(pin=pin, actor=_site_admin(request, pin))
                retried += 1
            except DomainError:
                refused += 1
        self.message_user(request, f"Retried {retried} pin(s); {refused} could not be retried.", messages.INFO)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log; a failed delivery can be sent again."""

    list_display = ["event_type", "webhook", "status", "attempt_count", "last_status_code", "next_attempt_at",
                    "created_at"]
    list_filter = ["status", "event_type"]
    list_select_related = ["webhook"]
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Send the selected deliveries again now", permissions=["change"])
    def resend(self, request, queryset):
        resent = sum(webhook_delivery_resend(delivery=delivery) for delivery in queryset)
        self.message_user(request, f"Re-sent {resent} delivery(ies).", messages.SUCCESS)


@admin.register(ReviewLink)
class ReviewLinkAdmin(admin.ModelAdmin):
    """Review links, to look at: created and revoked in the dashboard or /v1 (the token is never stored)."""

    list_display = ["public_id", "workspace", "guest_name", "guest_email", "expires_at", "revoked_at", "created_at"]
    list_filter = ["purpose"]
    list_select_related = ["workspace"]
    exclude = ["token_hash"]
    readonly_fields = ["public_id", "workspace", "pins", "schedules", "purpose", "expires_at", "revoked_at",
                       "guest_email", "guest_name", "created_by", "created_at", "last_opened_at"]

    def has_add_permission(self, request):
        return False


@admin.register(ApprovalDecision)
class ApprovalDecisionAdmin(admin.ModelAdmin):
    """Each approval step's decision, read-only."""

    list_display = ["at", "workspace", "pin", "schedule", "step", "decision", "decided_by_label"]
    list_filter = ["decision", "step"]
    list_select_related = ["workspace", "pin", "schedule"]
    readonly_fields = [field.name for field in ApprovalDecision._meta.fields]

    def has_add_permission(self, request):
        return False
