from publishing.models import AuditEvent, Team, User, Workspace


def audit_record(
    *,
    team: Team,
    action: str,
    actor_user: User | None = None,
    actor_label: str | None = None,
    workspace: Workspace | None = None,
    target=None,
    details: dict | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one audit event. ``target`` is any model with a ``public_id``."""
    label = actor_label or (actor_user.email if actor_user else "system")
    return AuditEvent.objects.create(
        team=team,
        workspace=workspace,
        actor_user=actor_user,
        actor_label=label,
        action=action,
        target_type=target._meta.model_name if target is not None else "",
        target_id=str(getattr(target, "public_id", "")) if target is not None else "",
        details=details or {},
        ip_address=ip_address,
    )
