"""Compose drafts: a submission saved for later, listed, resumed and deleted.

A draft keeps the Compose form's values as typed. Only what storing them needs is checked (text,
PinContent's lengths, no NUL characters, which PostgreSQL cannot keep): a draft may lack a board,
an image or a title, because the pin service checks everything when it is published. Drafts are
the workspace's, shared by everyone there who may compose (``pin.create``, the action that opens
each function): a teammate can finish, or delete, a draft someone else started.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from publishing.access import Actor, authorize
from publishing.content import ContentProblem, PinContent
from publishing.models import ComposeDraft
from publishing.services.audit import audit_record
from publishing.services.errors import ValidationError

# The Compose form's fields a draft keeps; content fields are limited by PinContent.
CONTENT_FIELDS = ("title", "description", "link_url", "alt_text", "dominant_color")
CHOICE_FIELDS = ("account_id", "board_id", "asset_id", "when", "run_at", "run_at_fold", "dominant_color_override")
LIST_FIELDS = ("also_boards",)
DRAFT_FIELDS = (*CHOICE_FIELDS, *CONTENT_FIELDS, *LIST_FIELDS)
CHOICE_MAX_LENGTH = 120  # ids, "<account id>:<board id>", a wall-clock time as typed
LIST_MAX_ITEMS = 100


def _clean_choice(name: str, value: object) -> str:
    text = "" if value is None else value
    if not isinstance(text, str) or "\x00" in text or len(text) > CHOICE_MAX_LENGTH:
        raise ValidationError("invalid_value", "This value cannot be kept in a draft.", field=name)
    return text.strip()


def draft_values_clean(data: Mapping[str, Any]) -> dict[str, Any]:
    """The storable form of a draft's values; raises ValidationError naming the first bad field."""
    values: dict[str, Any] = {}
    for name in CONTENT_FIELDS:
        try:
            values[name] = PinContent.text_field(name).normalise(data.get(name) or "")
        except ContentProblem as problem:
            raise ValidationError(problem.code, problem.message, field=name) from None
    for name in CHOICE_FIELDS:
        values[name] = _clean_choice(name, data.get(name))
    for name in LIST_FIELDS:
        items = data.get(name) or []
        if not isinstance(items, list | tuple) or len(items) > LIST_MAX_ITEMS:
            raise ValidationError("invalid_value", "Too many boards for a draft.", field=name)
        values[name] = [_clean_choice(name, item) for item in items]
    return values


def compose_draft_save(*, actor: Actor, data: Mapping[str, Any], draft: ComposeDraft | None = None) -> ComposeDraft:
    """Save the form as a new draft, or over ``draft`` (one of the workspace's)."""
    authorize(actor, "pin.create", workspace=draft.workspace if draft is not None else None)
    values = draft_values_clean(data)
    with transaction.atomic():
        if draft is None:
            draft = ComposeDraft(workspace=actor.workspace, created_by=actor.user)
        draft.values, draft.title, draft.updated_by = values, values["title"], actor.user
        draft.save()
        audit_record(team=actor.workspace.team, workspace=actor.workspace, action="draft.saved", actor=actor,
                     target=draft, details={"title": draft.title})
    return draft


def compose_draft_delete(*, actor: Actor, draft: ComposeDraft) -> None:
    """Delete one of the workspace's drafts (also done when a draft is published)."""
    authorize(actor, "pin.create", workspace=draft.workspace)
    with transaction.atomic():
        audit_record(team=actor.workspace.team, workspace=actor.workspace, action="draft.deleted", actor=actor,
                     target=draft, details={"title": draft.title})
        draft.delete()
