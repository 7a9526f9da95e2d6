"""Fetch one object of the actor's workspace (or team) by its public id, or refuse with a 404.

The dashboard's views and the /v1 routers both call these. A miss is ``AccessHidden``: objects of
other workspaces and teams are indistinguishable from missing ones, so each face answers as it
answers any hidden object (the API its 404 JSON error with the code below, the dashboard its 404
page). Reading an object is the ``workspace.read`` action for its Pinterest account (an API key's
allow-list); what may be done to it is the service's call.
"""

from uuid import UUID

from django.db.models import QuerySet

from publishing.access import AccessHidden, Actor, authorize
from publishing.models import (
    ApiKey,
    Asset,
    ImportJob,
    Invitation,
    Membership,
    Pin,
    PinterestAccount,
    Schedule,
    Webhook,
)

# What /v1 said for objects it looked up with Django's get_object_or_404 (its 404 default): kept as is.
NOT_FOUND = ("not_found", "Not found.")


def account_for_workspace_or_404(who: Actor, account_id: UUID) -> PinterestAccount:
    """A connected (not revoked) Pinterest account of the workspace."""
    account = (PinterestAccount.objects.for_workspace(who.workspace).select_related("workspace__team")
               .filter(public_id=account_id).first())
    if account is None:
        raise AccessHidden("account_not_found", "No connected Pinterest account with this id in this workspace.")
    authorize(who, "workspace.read", account=account)
    return account


def asset_for_workspace_or_404(who: Actor, asset_id: UUID, *, with_references: bool = False) -> Asset:
    """A live asset; ``with_references`` annotates ``in_use`` and ``referenced_pin_count``."""
    assets = Asset.objects.for_workspace(who.workspace).select_related("workspace")
    if with_references:
        assets = assets.with_references()
    asset = assets.filter(public_id=asset_id).first()
    if asset is None:
        raise AccessHidden("asset_not_found", "No asset with this id in this workspace.")
    return asset


def pin_for_workspace_or_404(who: Actor, pin_id: UUID) -> Pin:
    """A pin that has not been deleted, with its account, media and team loaded."""
    pin = (Pin.objects.for_workspace(who.workspace).select_related("workspace__team")
           .filter(public_id=pin_id).first())
    if pin is None:
        raise AccessHidden("pin_not_found", "No pin with this id in this workspace.")
    authorize(who, "workspace.read", account=pin.account)
    return pin


def schedule_for_workspace_or_404(who: Actor, schedule_id: UUID) -> Schedule:
    schedule = (Schedule.objects.for_workspace(who.workspace).select_related("workspace__team")
                .filter(public_id=schedule_id).first())
    if schedule is None:
        raise AccessHidden("schedule_not_found", "No schedule with this id in this workspace.")
    authorize(who, "workspace.read", account=schedule.account)
    return schedule


def webhook_for_workspace_or_404(who: Actor, webhook_id: UUID) -> Webhook:
    webhook = (Webhook.objects.filter(workspace=who.workspace, public_id=webhook_id)
               .select_related("workspace__team").first())
    if webhook is None:
        raise AccessHidden("webhook_not_found", "No webhook with this id in this workspace.")
    return webhook


def api_key_for_workspace_or_404(who: Actor, key_id: UUID) -> ApiKey:
    """Any key of the workspace, revoked ones too, with its creator and allowed accounts loaded."""
    key = (ApiKey.objects.for_workspace(who.workspace).select_related("workspace", "created_by")
           .filter(public_id=key_id).first())
    if key is None:
        raise AccessHidden(*NOT_FOUND)
    return key


def imports_for(who: Actor) -> QuerySet[ImportJob]:
    """The imports this actor may read: the workspace's, or for a key limited to some accounts
    only those it made (an import's results name pins of every account its rows used)."""
    jobs = ImportJob.objects.filter(workspace=who.workspace).select_related("workspace")
    return jobs.filter(created_by_key=who.api_key) if who.restricted_to_accounts else jobs


def import_for_workspace_or_404(who: Actor, job_id: UUID) -> ImportJob:
    """An import this actor may read, without its (possibly large) rows."""
    job = imports_for(who).filter(public_id=job_id).defer("rows").first()
    if job is None:
        raise AccessHidden("import_not_found", "No import with this id in this workspace.")
    return job


def membership_for_team_or_404(who: Actor, membership_id: UUID) -> Membership:
    """A membership of the actor's team, with its user and team loaded."""
    membership = (Membership.objects.for_team(who.team).select_related("team")
                  .filter(public_id=membership_id).first())
    if membership is None:
        raise AccessHidden(*NOT_FOUND)
    return membership


def invitation_for_team_or_404(who: Actor, invitation_id: UUID) -> Invitation:
    """An invitation to the actor's team (pending or not), with its team and inviter loaded."""
    invitation = (Invitation.objects.filter(team=who.team).select_related("team", "invited_by")
                  .filter(public_id=invitation_id).first())
    if invitation is None:
        raise AccessHidden(*NOT_FOUND)
    return invitation
