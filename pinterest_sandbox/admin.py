from django.contrib import admin

from pinterest_sandbox import models


@admin.register(models.SandboxUser)
class SandboxUserAdmin(admin.ModelAdmin):
    list_display = ["username", "pinterest_id", "account_type", "created_at"]
    search_fields = ["username", "pinterest_id"]
    readonly_fields = ["pinterest_id"]


@admin.register(models.Board)
class BoardAdmin(admin.ModelAdmin):
    list_display = ["name", "pinterest_id", "owner", "privacy", "pin_count", "created_at"]
    list_filter = ["privacy"]
    search_fields = ["name", "pinterest_id", "owner__username"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]


@admin.register(models.BoardSection)
class BoardSectionAdmin(admin.ModelAdmin):
    list_display = ["name", "pinterest_id", "board"]
    search_fields = ["name", "pinterest_id"]
    raw_id_fields = ["board"]


@admin.register(models.Pin)
class PinAdmin(admin.ModelAdmin):
    list_display = ["pinterest_id", "title", "board", "creative_type", "created_at"]
    list_filter = ["creative_type"]
    search_fields = ["pinterest_id", "title", "board__name"]
    list_select_related = ["board"]
    raw_id_fields = ["board", "section", "media_upload"]


@admin.register(models.MediaUpload)
class MediaUploadAdmin(admin.ModelAdmin):
    list_display = ["pinterest_id", "owner", "status", "forced_outcome", "upload_size", "created_at"]
    list_filter = ["status", "forced_outcome"]
    search_fields = ["pinterest_id"]
    raw_id_fields = ["owner"]


class TokenAdmin(admin.ModelAdmin):
    """Only hashes are stored; nothing here can reveal a usable token."""

    list_display = ["user", "client_id", "scopes", "created_at", "expires_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["user__username"]
    readonly_fields = ["token_hash"]
    raw_id_fields = ["user", "authorization_code"]


@admin.register(models.AccessToken)
class AccessTokenAdmin(TokenAdmin):
    raw_id_fields = [*TokenAdmin.raw_id_fields, "refresh_token"]


@admin.register(models.RefreshToken)
class RefreshTokenAdmin(TokenAdmin):
    list_display = [*TokenAdmin.list_display, "rotated_at"]
    raw_id_fields = [*TokenAdmin.raw_id_fields, "replaced_by"]


@admin.register(models.AuthorizationCode)
class AuthorizationCodeAdmin(admin.ModelAdmin):
    list_display = ["user", "client_id", "redirect_uri", "created_at", "expires_at", "used_at"]
    readonly_fields = ["code_hash"]
    raw_id_fields = ["user"]


@admin.register(models.FaultRule)
class FaultRuleAdmin(admin.ModelAdmin):
    list_display = ["endpoint", "kind", "status", "code", "seconds", "remaining", "created_at"]
    list_filter = ["kind", "endpoint"]


@admin.register(models.RateLimitCounter)
class RateLimitCounterAdmin(admin.ModelAdmin):
    list_display = ["access_token", "category", "window_start", "count"]
    raw_id_fields = ["access_token"]


@admin.register(models.SandboxClock)
class SandboxClockAdmin(admin.ModelAdmin):
    list_display = ["__str__", "offset_seconds"]
