from collections.abc import Mapping
from typing import cast

from django.db import models

from publishing.access import Actor
from publishing.client_address import current_client_address
from publishing.models import AuditEvent, Team, User, Workspace


def audit_record(
    *,
    team: Team,
    action: str,
    actor: Actor | None = None,
    user: User | None = None,
    workspace: Workspace | None = None,
    target: models.Model | None = None,
    details: Mapping[str, object] | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one audit event. ``actor`` acted (its user or key and its label are stored); ``user``
    is for what a person does outside any workspace (their password); neither means the system.
    ``target`` is any model with a ``public_id``. ``ip_address``: by default the address of the request
    being served (none in a job)."""
    if actor is not None:
        user, key, label = actor.user, actor.api_key, actor.label
    else:
        key, label = None, user.email if user is not None else "system"
    return AuditEvent.objects.create(
        team=team,
        workspace=workspace,
        actor_user=user,
        actor_key=key,
        actor_label=label,
        action=action,
        # Every model class has a model_name; Options types it optional for before the class is built.
        target_type=cast(str, target._meta.model_name) if target is not None else "",
        target_id=str(getattr(target, "public_id", "")) if target is not None else "",
        details=details or {},
        ip_address=ip_address or current_client_address(),
    )
