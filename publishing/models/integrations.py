"""Connected Pinterest accounts and their (cached) boards."""

import uuid

from django.db import models
from django.db.models import Q

from publishing.crypto import EncryptedTextField
from publishing.models.teams import Team, User, Workspace


class PinterestAccountQuerySet(models.QuerySet):
    def for_team(self, team: Team) -> "PinterestAccountQuerySet":
        """Accounts connected in any workspace of one team."""
        return self.filter(workspace__team=team)

    def for_workspace(self, workspace: Workspace) -> "PinterestAccountQuerySet":
        """Accounts of one workspace that are still connected."""
        return self.filter(workspace=workspace, revoked_at__isnull=True)

    def needing_reconnect(self) -> "PinterestAccountQuerySet":
        return self.filter(health_status=PinterestAccount.Health.RECONNECT_REQUIRED, revoked_at__isnull=True)


class PinterestAccount(models.Model):
    class Health(models.TextChoices):
        HEALTHY = "healthy", "Healthy"
        RECONNECT_REQUIRED = "reconnect_required", "Reconnect required"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="pinterest_accounts")
    pinterest_user_id = models.CharField(max_length=64)
    username = models.CharField(max_length=255, blank=True)
    display_name = models.CharField(max_length=255, blank=True)
    scopes = models.CharField(max_length=512, blank=True, help_text="Comma-separated Pinterest scopes")
    access_token = EncryptedTextField(blank=True)
    refresh_token = EncryptedTextField(blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_token_expires_at = models.DateTimeField(null=True, blank=True)
    health_status = models.CharField(max_length=32, choices=Health.choices, default=Health.HEALTHY)
    health_message = models.CharField(max_length=500, blank=True)
    health_checked_at = models.DateTimeField(null=True, blank=True)
    connected_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    boards_synced_at = models.DateTimeField(null=True, blank=True)
    # Set while one worker refreshes the access token: the others wait for its result instead of
    # spending the (rotating) refresh token a second time. Expires so a crashed worker can't block.
    token_refresh_lease_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PinterestAccountQuerySet.as_manager()

    class Meta:
        ordering = ["username", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "pinterest_user_id"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_connection_per_pinterest_user_and_workspace",
            )
        ]

    def __str__(self) -> str:
        return self.username or self.pinterest_user_id

    @property
    def reconnect_required(self) -> bool:
        return self.health_status == self.Health.RECONNECT_REQUIRED


class OAuthState(models.Model):
    """A pending "connect Pinterest" round trip: the ``state`` we sent and who asked."""

    # sha256 of the ``state`` sent to Pinterest: a leaked table can't complete anyone's round trip.
    state = models.CharField(max_length=128, unique=True)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    user = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True)
    # Or the API key that started it: only the starting user or key may complete the round trip.
    api_key = models.ForeignKey("publishing.ApiKey", on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+")
    # The code exchange must repeat the redirect_uri the authorize URL carried, exactly.
    redirect_uri = models.CharField(max_length=500, blank=True)
    redirect_after = models.CharField(max_length=500, blank=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"OAuth state for {self.workspace}"


class BoardQuerySet(models.QuerySet):
    def for_account(self, account: PinterestAccount) -> "BoardQuerySet":
        """Boards of one account that still exist on Pinterest, by name."""
        return self.filter(account=account, deleted_at__isnull=True).order_by("name", "id")

    def for_accounts(self, accounts: "list[PinterestAccount]") -> "BoardQuerySet":
        """Boards of several accounts (Compose's "also publish to"), by account, then by name."""
        return (self.filter(account__in=accounts, deleted_at__isnull=True).select_related("account")
                .order_by("account__username", "account_id", "name", "id"))


class Board(models.Model):
    """Our cache of a Pinterest board. ``pinterest_board_id`` is what the API calls ``board_id``."""

    account = models.ForeignKey(PinterestAccount, on_delete=models.CASCADE, related_name="boards")
    pinterest_board_id = models.CharField(max_length=64)
    name = models.CharField(max_length=180)
    description = models.TextField(blank=True)
    privacy = models.CharField(max_length=16, default="PUBLIC")
    synced_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = BoardQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "pinterest_board_id"], name="board_unique_per_account")
        ]

    def __str__(self) -> str:
        return self.name
