"""/v1/pins: create (one, a batch, a dry run), read, edit, retry, delete; imports; analytics."""

from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from ninja import Body, File, Query, Router, Status, UploadedFile

from publishing.access import Actor
from publishing.api.analytics import ANALYTICS_DESCRIPTION, analytics_for
from publishing.api.cached_lists import cached_list
from publishing.api.lookups import check_named_account, within_named_account
from publishing.api.schemas.analytics import AnalyticsFilters, AnalyticsOut
from publishing.api.schemas.common import (
    BulkOut,
    IdsIn,
    rendered_list,
    responses,
    set_total_count,
    total_count_header,
)
from publishing.api.schemas.pin_content import PinValidationOut
from publishing.api.schemas.pins import (
    PIN_ROW_COLUMNS,
    ImportFilters,
    ImportJobOut,
    ImportRows,
    PinBatchIn,
    PinBatchOut,
    PinBulkRejectIn,
    PinCreateIn,
    PinDeleteOut,
    PinFilters,
    PinOut,
    PinRejectIn,
    PinRetryIn,
    PinUpdateIn,
    import_job_out,
    pin_out,
    pin_row_out,
)
from publishing.api.security import actor_of
from publishing.lookups import import_for_workspace_or_404, imports_for, pin_for_workspace_or_404
from publishing.models import PIN_LIST_EPOCH, ImportJob, Pin
from publishing.models.pins import PinQuerySet
from publishing.models.shaped_reads import ShapedReads
from publishing.pagination import offset_page
from publishing.services import imports as import_services
from publishing.services import pin_drafts
from publishing.services import pins as pin_services

router = Router(tags=["pins"])

@router.post("", response=responses({201: PinOut}, 403, 404, 409))
def create_pin(request, data: PinCreateIn):
    """Queue a pin for publishing. A repeated ``idempotency_key`` with the same payload returns the
    existing pin (and publishes nothing again); with another payload it is a 409."""
    who = actor_of(request)
    check_named_account(who, data.account_id)
    pin = pin_services.pin_create(source=Pin.Source.API, data=data.payload(), actor=who)
    return Status(201, pin_out(pin_for_workspace_or_404(who, pin.public_id)))


@router.post("/validate", response=responses({200: PinValidationOut}, 403))
def validate_pin(request, data: PinCreateIn):
    """Every check create makes, reported instead of raised; nothing is stored or published."""
    who = actor_of(request)
    check_named_account(who, data.account_id)
    return pin_drafts.pin_validate(actor=who, data=data.payload())


@router.post("/batch", response=responses({200: PinBatchOut}, 403))
def create_pin_batch(request, data: PinBatchIn):
    """Up to 100 pins, each created (or refused) on its own."""
    who = actor_of(request)
    outcome = pin_services.pin_batch_create(items=data.pins, actor=who)
    for result in outcome["results"]:
        if result["pin"] is not None:
            result["pin"] = pin_out(result["pin"])
        result["idempotency_key"] = result["idempotency_key"] if isinstance(result["idempotency_key"], str) else None
    return outcome


def filtered_pins(who: Actor, filters: PinFilters) -> PinQuerySet:
    # The account filter goes through the key's allow-list (403 outside it), so it is not filtered()'s.
    pins = within_named_account(who, Pin.objects.for_workspace(who.workspace).select_related("workspace"),
                                filters.account_id)
    return pins.filtered(q=filters.q, status=filters.status, board_id=filters.board_id,
                         error_code=filters.error_code, created_from=filters.since, created_before=filters.until,
                         removed=filters.removed).sorted_by(filters.sort)


# The list's page and count SQL, written once per shape (the filters given, the sort, limit and offset).
PIN_LIST_SHAPES = ShapedReads()


@router.get("", response=responses({200: list[PinOut]}, 403),
            openapi_extra=total_count_header("Pins"))
def list_pins(request, response: HttpResponse, filters: Query[PinFilters]):
    who = actor_of(request, "workspace.read")

    def render() -> HttpResponse:
        page = offset_page(filtered_pins(who, filters), offset=filters.offset, limit=filters.limit,
                           columns=PIN_ROW_COLUMNS, shapes=PIN_LIST_SHAPES)
        set_total_count(response, page)
        return rendered_list(response, [pin_row_out(row) for row in page.items], PinOut)

    return cached_list(response, PIN_LIST_EPOCH, "pins", who, filters, render)


@router.post("/bulk-delete", response=responses({200: BulkOut}, 403))
def bulk_delete_pins(request, data: IdsIn):
    who = actor_of(request)
    return pin_services.pin_bulk_delete(pin_ids=data.ids, actor=who)


@router.post("/bulk-retry", response=responses({200: BulkOut}, 403))
def bulk_retry_pins(request, data: IdsIn):
    who = actor_of(request)
    return pin_services.pin_bulk_retry(pin_ids=data.ids, actor=who)


# Approvals are Pinboard extensions (the SDK has no approval gate): tagged apart in the OpenAPI document.
APPROVALS_TAG = "approvals (Pinboard extension)"
APPROVALS = ["pins", APPROVALS_TAG]
KEY_SCOPE_NOTE = "A key needs the `approve` scope (`write` is not enough); a member needs the manager or admin role."


@router.post("/bulk-approve", response=responses({200: BulkOut}, 403), tags=APPROVALS,
             description=f"Pinboard extension. Approve each pin held for approval. {KEY_SCOPE_NOTE}")
def bulk_approve_pins(request, data: IdsIn):
    who = actor_of(request)
    return pin_services.pin_bulk_approve(pin_ids=data.ids, actor=who)


@router.post("/bulk-reject", response=responses({200: BulkOut}, 403), tags=APPROVALS,
             description=f"Pinboard extension. Reject each pin held for approval, with one reason. {KEY_SCOPE_NOTE}")
def bulk_reject_pins(request, data: PinBulkRejectIn):
    who = actor_of(request)
    return pin_services.pin_bulk_reject(pin_ids=data.ids, reason=data.reason, actor=who)


@router.post("/imports/json", response=responses({202: ImportJobOut}, 403))
def import_pins_json(request, rows: Body[ImportRows]):
    """A bare JSON array of pins (each may carry ``run_at`` to become a schedule), processed by a job."""
    who = actor_of(request)
    job = import_services.pin_import_create(source_type="json", rows=rows, actor=who)
    return Status(202, import_job_out(_import(who, job.public_id)))


@router.post("/imports/csv", response=responses({202: ImportJobOut}, 403))
def import_pins_csv(request, file: File[UploadedFile]):
    """A CSV with a header line (account_id, board_id, title, image_url, idempotency_key, run_at, ...)."""
    who = actor_of(request)
    rows = import_services.pin_import_rows_from_csv(file)
    job = import_services.pin_import_create(source_type="csv", rows=rows,
                                            source_filename=file.name or "", actor=who)
    return Status(202, import_job_out(_import(who, job.public_id)))


@router.get("/imports", response=responses({200: list[ImportJobOut]}, 403))
def list_imports(request, filters: Query[ImportFilters]):
    who = actor_of(request, "workspace.read")
    jobs = imports_for(who)
    if filters.status:
        jobs = jobs.filter(status=filters.status)
    if filters.source_type:
        jobs = jobs.filter(source_type=filters.source_type)
    return [import_job_out(job) for job in jobs.defer("rows")[filters.offset:filters.offset + filters.limit]]


@router.get("/imports/{job_id}", response=responses({200: ImportJobOut}, 403, 404))
def get_import(request, job_id: UUID):
    who = actor_of(request, "workspace.read")
    return import_job_out(_import(who, job_id))


def _import(who: Actor, job_id: UUID) -> ImportJob:
    return import_for_workspace_or_404(who, job_id)


@router.get("/{pin_id}", response=responses({200: PinOut}, 403, 404))
def get_pin(request, pin_id: UUID):
    who = actor_of(request, "workspace.read")
    return pin_out(pin_for_workspace_or_404(who, pin_id))


@router.patch("/{pin_id}", response=responses({200: PinOut}, 403, 404, 409))
def update_pin(request, pin_id: UUID, data: PinUpdateIn):
    """Edit a pin that has not published (a rejected one goes back to approval); a published pin
    is a 409 ``pin_already_published``."""
    who = actor_of(request)
    pin = pin_services.pin_edit(pin=pin_for_workspace_or_404(who, pin_id), data=data.model_dump(exclude_unset=True),
                                  actor=who)
    return pin_out(pin_for_workspace_or_404(who, pin.public_id))


@router.delete("/{pin_id}", response=responses({200: PinDeleteOut, 204: None}, 403, 404, 409, 502))
def delete_pin(request, pin_id: UUID, delete_from_pinterest: bool = False):
    """Delete the record (204); with ``delete_from_pinterest=true`` remove it on Pinterest too (200)."""
    who = actor_of(request)
    outcome = pin_services.pin_delete(pin=pin_for_workspace_or_404(who, pin_id),
                                      delete_from_pinterest=delete_from_pinterest, actor=who)
    if not delete_from_pinterest:
        return Status(204, None)
    return Status(200, outcome)


@router.post("/{pin_id}/retry", response=responses({200: PinOut}, 403, 404, 409))
def retry_pin(request, pin_id: UUID, data: PinRetryIn | None = None):
    """Queue a failed pin again, optionally to another board or account."""
    who = actor_of(request)
    if data is not None:
        check_named_account(who, data.account_id)
    pin = pin_services.pin_retry(pin=pin_for_workspace_or_404(who, pin_id), board_id=data.board_id if data else None,
                                 account_id=str(data.account_id) if data and data.account_id else None,
                                 actor=who)
    return pin_out(pin_for_workspace_or_404(who, pin.public_id))


@router.post("/{pin_id}/approve", response=responses({200: PinOut}, 403, 404, 409), tags=APPROVALS,
             description="Pinboard extension. Release a pin held for approval (its `awaiting_approval` error "
                         f"fields are cleared) and queue it for publishing. {KEY_SCOPE_NOTE} A pin not awaiting "
                         "approval is a 409 `not_awaiting_approval`; approving one's own pin is a 403 "
                         "`self_approval_forbidden` unless the team allows self-approval.")
def approve_pin(request, pin_id: UUID):
    who = actor_of(request)
    pin = pin_services.pin_approve(pin=pin_for_workspace_or_404(who, pin_id), actor=who)
    return pin_out(pin_for_workspace_or_404(who, pin.public_id))


@router.post("/{pin_id}/reject", response=responses({200: PinOut}, 403, 404, 409), tags=APPROVALS,
             description="Pinboard extension. Refuse a pin held for approval: it becomes `failed` with "
                         "`error_code: rejected` and the reason in `error_message`, and stays editable (an edit "
                         f"sends it back for approval). {KEY_SCOPE_NOTE}")
def reject_pin(request, pin_id: UUID, data: PinRejectIn):
    who = actor_of(request)
    pin = pin_services.pin_reject(pin=pin_for_workspace_or_404(who, pin_id), reason=data.reason, actor=who)
    return pin_out(pin_for_workspace_or_404(who, pin.public_id))


# The operation id keeps the one it was given when this route lived in routers/peripheral.py.
@router.get("/{pin_id}/analytics", response=responses({200: AnalyticsOut}, 403, 404, 409, 429, 502),
            operation_id="publishing_api_routers_peripheral_pin_analytics", description=ANALYTICS_DESCRIPTION)
def pin_analytics(request: HttpRequest, pin_id: UUID, filters: Query[AnalyticsFilters]) -> dict[str, Any]:
    who = actor_of(request, "workspace.read")
    pin = pin_for_workspace_or_404(who, pin_id)
    return analytics_for(who, filters, account=pin.account, pin=pin)
