"""What the dashboard's Compose form needs beyond the pin and schedule services."""

from django.db import transaction

from publishing.models import AuditEvent, Schedule, User, Workspace
from publishing.services.audit import audit_record
from publishing.services.schedules import schedule_create

COMPOSE_SCHEDULED = "schedule.composed"


@transaction.atomic
def schedule_create_once(*, workspace: Workspace, actor_user: User, form_key: str, data: dict) -> Schedule:
    """``schedule_create`` for one Compose form, at most once however often it is submitted.

    Pins carry the form's idempotency key themselves; schedules have no such column. So one
    member's submissions are serialised on their user row, the form's key is remembered in an
    audit event beside the schedule, and a repeat of the same form gets the first schedule back.
    """
    User.objects.select_for_update().filter(pk=actor_user.pk).first()
    earlier = (
        AuditEvent.objects.filter(team=workspace.team, actor_user=actor_user, action=COMPOSE_SCHEDULED,
                                  details__form_key=form_key)
        .values_list("target_id", flat=True)
        .first()
    )
    if earlier:
        return Schedule.objects.get(workspace=workspace, public_id=earlier)
    schedule = schedule_create(workspace=workspace, actor_user=actor_user, data=data)
    audit_record(team=workspace.team, workspace=workspace, action=COMPOSE_SCHEDULED, actor_user=actor_user,
                 target=schedule, details={"form_key": form_key})
    return schedule
