"""Fetch one object of the actor's workspace by its public id, or answer 404.

Objects of other workspaces and other teams are indistinguishable from missing ones. Reading an
object is the ``workspace.read`` action for its account (a key's allow-list); what may be done to
it is the service's call.
"""

from uuid import UUID

from publishing.access import Actor, authorize
from publishing.models import Asset, ImportJob, Pin, PinterestAccount, Schedule, Webhook
from publishing.services.errors import NotFound


def account_or_404(who: Actor, account_id: UUID) -> PinterestAccount:
    account = (PinterestAccount.objects.for_workspace(who.workspace).select_related("workspace__team")
               .filter(public_id=account_id).first())
    if account is None:
        raise NotFound("account_not_found", "No connected Pinterest account with this id in this workspace.")
    authorize(who, "workspace.read", account=account)
    return account


def asset_or_404(who: Actor, asset_id: UUID, *, with_references: bool = False) -> Asset:
    assets = Asset.objects.for_workspace(who.workspace).select_related("workspace")
    if with_references:
        assets = assets.with_references()
    asset = assets.filter(public_id=asset_id).first()
    if asset is None:
        raise NotFound("asset_not_found", "No asset with this id in this workspace.")
    return asset


def pin_or_404(who: Actor, pin_id: UUID) -> Pin:
    pin = (Pin.objects.for_workspace(who.workspace).select_related("workspace__team", "cover_image_asset")
           .filter(public_id=pin_id).first())
    if pin is None:
        raise NotFound("pin_not_found", "No pin with this id in this workspace.")
    authorize(who, "workspace.read", account=pin.account)
    return pin


def schedule_or_404(who: Actor, schedule_id: UUID) -> Schedule:
    schedule = (Schedule.objects.for_workspace(who.workspace).select_related("workspace__team")
                .filter(public_id=schedule_id).first())
    if schedule is None:
        raise NotFound("schedule_not_found", "No schedule with this id in this workspace.")
    authorize(who, "workspace.read", account=schedule.account)
    return schedule


def webhook_or_404(who: Actor, webhook_id: UUID) -> Webhook:
    webhook = Webhook.objects.filter(workspace=who.workspace, public_id=webhook_id).select_related(
        "workspace__team").first()
    if webhook is None:
        raise NotFound("webhook_not_found", "No webhook with this id in this workspace.")
    return webhook


def imports_for(who: Actor):
    """The imports this actor may read: the workspace's, or for a key limited to some accounts
    only those it made (an import's results name pins of every account its rows used)."""
    jobs = ImportJob.objects.filter(workspace=who.workspace).select_related("workspace")
    return jobs.filter(created_by_key=who.api_key) if who.restricted_to_accounts else jobs


def import_or_404(who: Actor, job_id: UUID) -> ImportJob:
    job = imports_for(who).filter(public_id=job_id).defer("rows").first()
    if job is None:
        raise NotFound("import_not_found", "No import with this id in this workspace.")
    return job


def within_named_account(who: Actor, queryset, account_id: UUID | None):
    """A list's ``account_id`` filter: nothing for an unknown account, 403 outside a key's allow-list."""
    queryset = who.filter_accounts(queryset, "account")
    if account_id is None:
        return queryset
    account = PinterestAccount.objects.filter(workspace=who.workspace, public_id=account_id).first()
    if account is None:
        return queryset.none()
    authorize(who, "workspace.read", account=account)
    return queryset.filter(account=account)


def check_named_account(who: Actor, account_id) -> None:
    """An allow-listed key may not even name another account in a payload (403, not a 422)."""
    if account_id is None or not who.restricted_to_accounts:
        return
    account = PinterestAccount.objects.for_workspace(who.workspace).filter(public_id=account_id).first()
    if account is not None:
        authorize(who, "workspace.read", account=account)
