"""/v1/queue and /v1/pinterest/accounts/{id}/slots (Pinboard extension): each account's weekly
posting slots and "Add to queue", a schedule at the account's next free slot."""

from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Status
from pydantic import Field

from publishing.api.lookups import check_named_account
from publishing.api.schemas.best_times import (
    SuggestionsAppliedOut,
    SuggestionsApplyIn,
    SuggestionsOut,
    SuggestionsQuery,
    applied_out,
    suggestions_out,
)
from publishing.api.schemas.common import InSchema, responses
from publishing.api.schemas.queue import (
    PostingQueueAddIn,
    PostingQueueOut,
    PostingSlotsIn,
    PostingSlotsOut,
    TimeZoneIn,
    TimeZoneOut,
    queue_slot_out,
    slot_out,
)
from publishing.api.schemas.schedules import ScheduleOut, schedule_out
from publishing.api.security import actor_of
from publishing.lookups import account_for_workspace_or_404, schedule_for_workspace_or_404
from publishing.models import PinterestAccount
from publishing.services import best_times, posting_queue

TAG = "queue (Pinboard extension)"
router = Router(tags=[TAG])  # mounted at /queue
slots_router = Router(tags=["pinterest", TAG])  # mounted at /pinterest

TIME_ZONE_NOTE = ("Schedules keep their moment in UTC; posting slots are wall-clock times, so the queue now "
                  "fills them in the new zone.")


class PostingQueueQuery(InSchema):
    account_id: UUID
    count: int = Field(5, ge=1, le=50)


def _slots_out(account: PinterestAccount) -> PostingSlotsOut:
    return PostingSlotsOut(account_id=account.public_id, time_zone=account.workspace.timezone,
                           slots=[slot_out(slot) for slot in posting_queue.posting_slots_of(account)])


@slots_router.get("/accounts/{account_id}/slots", response=responses({200: PostingSlotsOut}, 403, 404),
                  description="Pinboard extension. The account's weekly posting slots (wall-clock times in the "
                              "workspace's time zone, Monday first). Any member or key with `read`.")
def list_posting_slots(request: HttpRequest, account_id: UUID) -> PostingSlotsOut:
    return _slots_out(account_for_workspace_or_404(actor_of(request), account_id))


@slots_router.put("/accounts/{account_id}/slots", response=responses({200: PostingSlotsOut}, 403, 404),
                  description="Pinboard extension. Replace the account's weekly posting slots (`[]` clears them; "
                              "duplicates count once). Admins, or a key with `write`. A bad `weekday` (0-6) or "
                              "`time` (HH:MM) is a 422 naming it. Schedules already queued stay where they are.")
def set_posting_slots(request: HttpRequest, account_id: UUID, data: PostingSlotsIn) -> PostingSlotsOut:
    who = actor_of(request)
    account = account_for_workspace_or_404(who, account_id)
    posting_queue.posting_slots_set(actor=who, account=account,
                                    slots=[slot.model_dump() for slot in data.slots])
    return _slots_out(account)


@slots_router.get("/accounts/{account_id}/slots/suggestions", response=responses({200: SuggestionsOut}, 403, 404),
                  description="Pinboard extension. Suggested posting times learned from the account's stored "
                              "engagement: each published pin's first 7 Pinterest days of `metric` (saves by "
                              "default) count for the weekday and hour it was published at, in the workspace's "
                              "time zone; each hour with at least 3 such pins over the last 8 weeks is compared "
                              "with the account's average per pin (figures capped at the 90th percentile, an "
                              "hour's average shrunk toward the account's). Until 20 pins have 7 days of figures, "
                              "`enough_data` is false and `missing` says what is missing: no figure is invented. "
                              "Any member or key with `read` that may use the account.")
def list_slot_suggestions(request: HttpRequest, account_id: UUID, query: Query[SuggestionsQuery]) -> SuggestionsOut:
    who = actor_of(request)
    account = account_for_workspace_or_404(who, account_id)
    return suggestions_out(account.public_id, best_times.best_times(actor=who, account=account, metric=query.metric))


@slots_router.post("/accounts/{account_id}/slots/suggestions/apply",
                   response=responses({200: SuggestionsAppliedOut}, 403, 404, 409),
                   description="Pinboard extension. Add the suggested times (as `GET .../slots/suggestions` "
                               "computes them now) to the account's posting slots. The account's other slots are "
                               "kept; a suggested time that is already a slot is listed in `already_there`, so "
                               "applying twice adds nothing the second time. `409 not_enough_data` until there is "
                               "enough data, `409 no_suggestion` when no hour stands out. Managers and admins, "
                               "or a key with `write`.")
def apply_slot_suggestions(request: HttpRequest, account_id: UUID,
                           data: SuggestionsApplyIn | None = None) -> SuggestionsAppliedOut:
    who = actor_of(request)
    account = account_for_workspace_or_404(who, account_id)
    applied = best_times.best_times_apply(actor=who, account=account, metric=data.metric if data else None)
    return applied_out(account.public_id, applied, _slots_out(account).slots)


@router.get("", response=responses({200: PostingQueueOut}, 403, 404),
            description="Pinboard extension. The account's next free posting slots, earliest first (a slot is "
                        "free when the account has no live schedule at that instant). Any member or key with "
                        "`read`.")
def list_queue(request: HttpRequest, query: Query[PostingQueueQuery]) -> PostingQueueOut:
    account = account_for_workspace_or_404(actor_of(request), query.account_id)
    return PostingQueueOut(account_id=account.public_id, time_zone=account.workspace.timezone,
                    data=[queue_slot_out(free)
                          for free in posting_queue.queue_free_slots(account, count=query.count)])


@router.post("", response=responses({201: ScheduleOut}, 403, 404, 409),
             description="Pinboard extension. Add to queue: a schedule (the body of `POST /v1/schedules` without "
                         "`run_at`) at the account's next free posting slot; the answer is the schedule, its "
                         "`run_at` the chosen slot. Two adds at once take two slots. `409 no_posting_slots` when "
                         "the account has none, `409 no_free_slot` when the coming year is full. Editors and up; "
                         "a key needs `write`.")
def add_to_queue(request: HttpRequest, data: PostingQueueAddIn) -> Status:
    who = actor_of(request)
    check_named_account(who, data.account_id)
    schedule = posting_queue.queue_add(actor=who, data=data.payload())
    return Status(201, schedule_out(schedule_for_workspace_or_404(who, schedule.public_id)))


@router.put("/time-zone", response=responses({200: TimeZoneOut}, 403),
            description="Pinboard extension. Set the workspace's time zone (an IANA name; anything else is a 422 "
                        "naming `time_zone`). Schedules keep their UTC instant; slots are read in the new zone. "
                        "Admins only, with a login token (`403 user_required` for a key).")
def set_time_zone(request: HttpRequest, data: TimeZoneIn) -> TimeZoneOut:
    workspace, changed = posting_queue.workspace_time_zone_set(actor=actor_of(request), time_zone=data.time_zone)
    return TimeZoneOut(time_zone=workspace.timezone, changed=changed, note=TIME_ZONE_NOTE)
