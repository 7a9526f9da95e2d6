"""Credentials for the /v1 API: per-workspace API keys and login bearer tokens.

Both are stored as SHA-256 hashes of high-entropy random secrets (a slow hash adds nothing
for 256-bit random values) and looked up by a visible prefix, then compared in constant time.
"""

import uuid

from django.db import models

from publishing.models.epochs import EpochQuerySet
from publishing.models.integrations import PinterestAccount
from publishing.models.teams import Membership, Team, User, Workspace


class ApiKeyScope(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Write"
    DESTRUCTIVE = "destructive", "Destructive"
    APPROVE = "approve", "Approve"


class ApiKeyQuerySet(EpochQuerySet):
    def for_team(self, team: Team) -> "ApiKeyQuerySet":
        return self.filter(workspace__team=team)

    def for_workspace(self, workspace: Workspace) -> "ApiKeyQuerySet":
        return self.filter(workspace=workspace).prefetch_related("allowed_accounts")

    def lineage_ids(self, key_id: int | None) -> set[int]:
        """The key and every key it was rotated from or into: one credential, rotated. Rotating a key
        does not make it a stranger to what it created (approving its own pins stays refused). No key
        (None): no ids, and no query."""
        if key_id is None:
            return set()
        ids, frontier = {key_id}, [key_id]
        while frontier:
            frontier = list(self.filter(models.Q(replaced_by_id__in=frontier) | models.Q(replaces__id__in=frontier))
                            .exclude(pk__in=ids).values_list("pk", flat=True))
            ids.update(frontier)
        return ids


class ApiKey(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=255)
    prefix = models.CharField(max_length=32, unique=True, help_text="Visible start of the key")
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    # No rows here and restricts_accounts False means every account of the workspace.
    restricts_accounts = models.BooleanField(default=False)
    allowed_accounts = models.ManyToManyField(PinterestAccount, blank=True, related_name="+")
    source = models.CharField(max_length=16, default="manual")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaces"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        # A related manager's add() and deletion's updates write through the base manager: it must
        # change the epoch too (publishing/models/epochs.py).
        base_manager_name = "objects"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class AccessToken(models.Model):
    """An opaque bearer token issued by /v1/auth/login, bound to a user and an active workspace."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_tokens")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    prefix = models.CharField(max_length=32, unique=True)
    token_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EpochQuerySet.as_manager()

    class Meta:
        # A related manager's add() and deletion's updates write through the base manager: it must
        # change the epoch too (publishing/models/epochs.py).
        base_manager_name = "objects"

    # Not a column: ``access_token_authenticate`` sets it, the user's membership of the token's team.
    membership: "Membership | None"

    def __str__(self) -> str:
        return f"token {self.prefix}… for {self.user}"
