"""Fetch one object of the caller's workspace by its public id, or answer 404.

Objects of other workspaces and other teams are indistinguishable from missing ones.
"""

from uuid import UUID

from publishing.api.security import ApiCaller
from publishing.models import Asset, ImportJob, Pin, PinterestAccount, Schedule, Webhook
from publishing.services.errors import NotFound


def account_or_404(who: ApiCaller, account_id: UUID) -> PinterestAccount:
    account = (PinterestAccount.objects.for_workspace(who.workspace).select_related("workspace__team")
               .filter(public_id=account_id).first())
    if account is None:
        raise NotFound("account_not_found", "No connected Pinterest account with this id in this workspace.")
    return who.check_account(account)


def asset_or_404(who: ApiCaller, asset_id: UUID, *, with_references: bool = False) -> Asset:
    assets = Asset.objects.for_workspace(who.workspace).select_related("workspace")
    if with_references:
        assets = assets.with_references()
    asset = assets.filter(public_id=asset_id).first()
    if asset is None:
        raise NotFound("asset_not_found", "No asset with this id in this workspace.")
    return asset


def pin_or_404(who: ApiCaller, pin_id: UUID) -> Pin:
    pin = (Pin.objects.for_workspace(who.workspace).select_related("workspace__team", "cover_image_asset")
           .filter(public_id=pin_id).first())
    if pin is None:
        raise NotFound("pin_not_found", "No pin with this id in this workspace.")
    who.check_account(pin.account)
    return pin


def schedule_or_404(who: ApiCaller, schedule_id: UUID) -> Schedule:
    schedule = (Schedule.objects.for_workspace(who.workspace).select_related("workspace__team")
                .filter(public_id=schedule_id).first())
    if schedule is None:
        raise NotFound("schedule_not_found", "No schedule with this id in this workspace.")
    who.check_account(schedule.account)
    return schedule


def webhook_or_404(who: ApiCaller, webhook_id: UUID) -> Webhook:
    webhook = Webhook.objects.filter(workspace=who.workspace, public_id=webhook_id).select_related(
        "workspace__team").first()
    if webhook is None:
        raise NotFound("webhook_not_found", "No webhook with this id in this workspace.")
    return webhook


def imports_for(who: ApiCaller):
    """The imports this caller may read: the workspace's, or for a key limited to some accounts
    only those it made (an import's results name pins of every account its rows used)."""
    jobs = ImportJob.objects.filter(workspace=who.workspace).select_related("workspace")
    return jobs.filter(created_by_key=who.api_key) if who.restricted_to_accounts else jobs


def import_or_404(who: ApiCaller, job_id: UUID) -> ImportJob:
    job = imports_for(who).filter(public_id=job_id).defer("rows").first()
    if job is None:
        raise NotFound("import_not_found", "No import with this id in this workspace.")
    return job


def within_named_account(who: ApiCaller, queryset, account_id: UUID | None):
    """A list's ``account_id`` filter: nothing for an unknown account, 403 outside a key's allow-list."""
    queryset = who.filter_accounts(queryset, "account")
    if account_id is None:
        return queryset
    account = PinterestAccount.objects.filter(workspace=who.workspace, public_id=account_id).first()
    if account is None:
        return queryset.none()
    return queryset.filter(account=who.check_account(account))


def check_named_account(who: ApiCaller, account_id) -> None:
    """An allow-listed key may not even name another account in a payload (403, not a 422)."""
    if account_id is None or who.allowed_account_ids() is None:
        return
    account = PinterestAccount.objects.for_workspace(who.workspace).filter(public_id=account_id).first()
    if account is not None:
        who.check_account(account)


def bulk_within_allow_list(who: ApiCaller, model, ids: list[UUID], run) -> dict:
    """Run a bulk service on the ids; those of objects on accounts outside a key's allow-list are
    reported as not found, exactly like ids of other workspaces."""
    allowed = who.allowed_account_ids()
    hidden = set()
    if allowed is not None:
        hidden = set(model.objects.filter(workspace=who.workspace, public_id__in=ids)
                     .exclude(account_id__in=allowed).values_list("public_id", flat=True))
    outcome = run([object_id for object_id in ids if object_id not in hidden])
    for object_id in hidden:
        outcome["failed_count"] += 1
        outcome["results"].append({"id": str(object_id), "status": "failed", "error_code": "not_found",
                                   "error_message": "Not found."})
    return outcome
