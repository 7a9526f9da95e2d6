"""/v1/schedules: pins to publish at ``run_at``; edit, cancel, retry and delete when that makes sense."""

from uuid import UUID

from django.http import HttpResponse
from ninja import Query, Router, Status

from publishing.access import Actor
from publishing.api.lookups import check_named_account, within_named_account
from publishing.api.routers.pins import APPROVALS_TAG, KEY_SCOPE_NOTE
from publishing.api.schemas.common import BulkOut, IdsIn, responses, set_total_count, total_count_header
from publishing.api.schemas.pin_content import PinValidationOut
from publishing.api.schemas.pins import PinBulkRejectIn, PinRejectIn
from publishing.api.schemas.schedules import (
    ScheduleCreateIn,
    ScheduleFilters,
    ScheduleOut,
    ScheduleUpdateIn,
    schedule_out,
)
from publishing.api.security import actor_of
from publishing.lookups import schedule_for_workspace_or_404
from publishing.models import Schedule
from publishing.models.pins import ScheduleQuerySet
from publishing.pagination import offset_page
from publishing.services import schedules as schedule_services

router = Router(tags=["schedules"])

def _out(who: Actor, schedule_id: UUID) -> dict:
    return schedule_out(schedule_for_workspace_or_404(who, schedule_id))


@router.post("", response=responses({201: ScheduleOut}, 403, 404))
def create_schedule(request, data: ScheduleCreateIn):
    """Publish a pin at ``run_at`` (with a UTC offset). Repeats create more schedules."""
    who = actor_of(request)
    check_named_account(who, data.account_id)
    schedule = schedule_services.schedule_create(data=data.payload(), actor=who)
    return Status(201, _out(who, schedule.public_id))


@router.post("/validate", response=responses({200: PinValidationOut}, 403))
def validate_schedule(request, data: ScheduleCreateIn):
    who = actor_of(request)
    check_named_account(who, data.account_id)
    return schedule_services.schedule_validate(actor=who, data=data.payload())


def filtered_schedules(who: Actor, filters: ScheduleFilters) -> ScheduleQuerySet:
    # The account filter goes through the key's allow-list (403 outside it), so it is not filtered()'s.
    schedules = within_named_account(
        who, Schedule.objects.for_workspace(who.workspace).select_related("workspace").with_status(),
        filters.account_id)
    return schedules.filtered(q=filters.q, status=filters.status, board_id=filters.board_id,
                              run_from=filters.since, run_before=filters.until).sorted_by(filters.sort)


@router.get("", response=responses({200: list[ScheduleOut]}, 403),
            openapi_extra=total_count_header("Schedules"))
def list_schedules(request, response: HttpResponse, filters: Query[ScheduleFilters]):
    who = actor_of(request, "workspace.read")
    page = offset_page(filtered_schedules(who, filters), offset=filters.offset, limit=filters.limit)
    set_total_count(response, page)
    return [schedule_out(s) for s in page.items]


def _bulk(request, data: IdsIn, action: str):
    return schedule_services.schedule_bulk(schedule_ids=data.ids, action=action, actor=actor_of(request))


@router.post("/bulk-cancel", response=responses({200: BulkOut}, 403))
def bulk_cancel_schedules(request, data: IdsIn):
    return _bulk(request, data, "cancel")


@router.post("/bulk-retry", response=responses({200: BulkOut}, 403))
def bulk_retry_schedules(request, data: IdsIn):
    return _bulk(request, data, "retry")


@router.post("/bulk-delete", response=responses({200: BulkOut}, 403))
def bulk_delete_schedules(request, data: IdsIn):
    return _bulk(request, data, "delete")


# Pinboard extensions, like the pins' approvals.
APPROVALS = ["schedules", APPROVALS_TAG]


@router.post("/bulk-approve", response=responses({200: BulkOut}, 403), tags=APPROVALS,
             description="Pinboard extension. Approve each schedule awaiting approval (before its pin exists, or "
                         f"its held pin), as `POST /v1/schedules/{{id}}/approve` does. {KEY_SCOPE_NOTE}")
def bulk_approve_schedules(request, data: IdsIn):
    return schedule_services.schedule_bulk_approve(schedule_ids=data.ids, actor=actor_of(request))


@router.post("/bulk-reject", response=responses({200: BulkOut}, 403), tags=APPROVALS,
             description="Pinboard extension. Reject each schedule awaiting approval, with one reason (1-500 "
                         f"characters). {KEY_SCOPE_NOTE}")
def bulk_reject_schedules(request, data: PinBulkRejectIn):
    return schedule_services.schedule_bulk_reject(schedule_ids=data.ids, reason=data.reason,
                                                  actor=actor_of(request))


@router.get("/{schedule_id}", response=responses({200: ScheduleOut}, 403, 404))
def get_schedule(request, schedule_id: UUID):
    who = actor_of(request, "workspace.read")
    return _out(who, schedule_id)


@router.patch("/{schedule_id}", response=responses({200: ScheduleOut}, 403, 404, 409))
def update_schedule(request, schedule_id: UUID, data: ScheduleUpdateIn):
    """Edit a schedule that has not started; after that it is a 409 ``schedule_not_editable``."""
    who = actor_of(request)
    schedule_services.schedule_update(schedule=schedule_for_workspace_or_404(who, schedule_id),
                                      data=data.model_dump(mode="json", exclude_unset=True), actor=who)
    return _out(who, schedule_id)


@router.post("/{schedule_id}/cancel", response=responses({200: ScheduleOut}, 400, 403, 404))
def cancel_schedule(request, schedule_id: UUID):
    who = actor_of(request)
    schedule_services.schedule_cancel(schedule=schedule_for_workspace_or_404(who, schedule_id), actor=who)
    return _out(who, schedule_id)


@router.post("/{schedule_id}/retry", response=responses({200: ScheduleOut}, 400, 403, 404))
def retry_schedule(request, schedule_id: UUID):
    who = actor_of(request)
    schedule_services.schedule_retry(schedule=schedule_for_workspace_or_404(who, schedule_id), actor=who)
    return _out(who, schedule_id)


NO_PIN_YET_NOTE = ("Before its pin exists the decision is the schedule's own (a two-step team rule may need "
                   "another approval after this one); once it has made its pin, it is on that pin when held. A "
                   "schedule awaiting no approval is a 409 `not_awaiting_approval`. Still unapproved when it comes "
                   "due, a schedule is not published: it fails with `approval_deadline_missed` in `last_error`.")


@router.post("/{schedule_id}/approve", response=responses({200: ScheduleOut}, 403, 404, 409), tags=APPROVALS,
             description="Pinboard extension. Approve the schedule awaiting approval: approved before its pin "
                         "exists, its pin is created approved at `run_at` and publishes; a held pin it made is "
                         f"released as `POST /v1/pins/{{id}}/approve` does. {KEY_SCOPE_NOTE} {NO_PIN_YET_NOTE}")
def approve_schedule(request, schedule_id: UUID):
    who = actor_of(request)
    schedule_services.schedule_approve(schedule=schedule_for_workspace_or_404(who, schedule_id), actor=who)
    return _out(who, schedule_id)


@router.post("/{schedule_id}/reject", response=responses({200: ScheduleOut}, 403, 404, 409), tags=APPROVALS,
             description="Pinboard extension. Reject the schedule awaiting approval (or its held pin, as "
                         "`POST /v1/pins/{id}/reject` does): it reports `failed` with `Rejected: <reason>` in "
                         "`last_error`, does not publish and stays editable (an edit sends it back for approval). "
                         f"{KEY_SCOPE_NOTE} {NO_PIN_YET_NOTE}")
def reject_schedule(request, schedule_id: UUID, data: PinRejectIn):
    who = actor_of(request)
    schedule_services.schedule_reject(schedule=schedule_for_workspace_or_404(who, schedule_id),
                                      reason=data.reason, actor=who)
    return _out(who, schedule_id)


@router.delete("/{schedule_id}", response=responses({204: None}, 400, 403, 404))
def delete_schedule(request, schedule_id: UUID):
    who = actor_of(request)
    schedule_services.schedule_delete(schedule=schedule_for_workspace_or_404(who, schedule_id), actor=who)
    return Status(204, None)
