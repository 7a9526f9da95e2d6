"""Compose drafts: a submission saved for later, before it is a pin or a schedule.

A draft belongs to a workspace and is shared by everyone there who may compose (``pin.create``):
an editor may start a pin and a manager finish it, as in the schedulers teams use. The values are
the Compose form's as typed (text, ids, the time as wall-clock text); nothing is checked beyond
what storing them needs, because the pin service checks everything when the draft is published.
"""

import uuid

from django.db import models

from publishing.models.teams import User, Workspace


class ComposeDraftQuerySet(models.QuerySet):
    def for_workspace(self, workspace: Workspace) -> "ComposeDraftQuerySet":
        """One workspace's drafts, the most recently changed first."""
        return self.filter(workspace=workspace).order_by("-updated_at", "-id")


class ComposeDraft(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="compose_drafts")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # What the list shows; the form's title as typed (may be empty).
    title = models.CharField(max_length=100, blank=True)
    # The Compose form's fields by name (see services/compose_drafts.py DRAFT_FIELDS).
    values = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ComposeDraftQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["workspace", "-updated_at"], name="draft_workspace_recent")]

    def __str__(self) -> str:
        return self.title or "Untitled draft"
