"""Fetch one object of the actor's workspace (or team) by its public id, or refuse with a 404.

The dashboard's views and the /v1 routers both call these. A miss is ``AccessHidden``: objects of
other workspaces and teams are indistinguishable from missing ones, so each face answers as it
answers any hidden object (the API its 404 JSON error with the code below, the dashboard its 404
page). Reading an object is the ``workspace.read`` action for its Pinterest account (an API key's
allow-list); what may be done to it is the service's call.
"""

from typing import TypeVar
from uuid import UUID

from django.db.models import Model, QuerySet

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

Row = TypeVar("Row", bound=Model)


def _one_or_hidden(rows: QuerySet[Row], public_id: UUID, code: str, message: str) -> Row:
    """The row of ``rows`` with this public id; a miss is ``AccessHidden`` with ``code``/``message``."""
    row = rows.filter(public_id=public_id).first()
    if row is None:
        raise AccessHidden(code, message)
    return row


def account_for_workspace_or_404(who: Actor, account_id: UUID) -> PinterestAccount:
    """A connected (not revoked) Pinterest account of the workspace."""
    account = _one_or_hidden(
        PinterestAccount.objects.for_workspace(who.workspace).select_related("workspace__team"), account_id,
        "account_not_found", "No connected Pinterest account with this id in this workspace.")
    authorize(who, "workspace.read", account=account)
    return account


def asset_for_workspace_or_404(who: Actor, asset_id: UUID, *, with_references: bool = False) -> Asset:
    """A live asset; ``with_references`` annotates ``in_use`` and ``referenced_pin_count``."""
    assets = Asset.objects.for_workspace(who.workspace).select_related("workspace")
    if with_references:
        assets = assets.with_references()
    return _one_or_hidden(assets, asset_id, "asset_not_found", "No asset with this id in this workspace.")


def pin_for_workspace_or_404(who: Actor, pin_id: UUID) -> Pin:
    """A pin that has not been deleted, with its account, media and team loaded."""
    pin = _one_or_hidden(Pin.objects.for_workspace(who.workspace).select_related("workspace__team"), pin_id,
                         "pin_not_found", "No pin with this id in this workspace.")
    authorize(who, "workspace.read", account=pin.account)
    return pin


def schedule_for_workspace_or_404(who: Actor, schedule_id: UUID) -> Schedule:
    schedule = _one_or_hidden(
        Schedule.objects.for_workspace(who.workspace).select_related("workspace__team"), schedule_id,
        "schedule_not_found", "No schedule with this id in this workspace.")
    authorize(who, "workspace.read", account=schedule.account)
    return schedule


def webhook_for_workspace_or_404(who: Actor, webhook_id: UUID) -> Webhook:
    return _one_or_hidden(Webhook.objects.filter(workspace=who.workspace).select_related("workspace__team"),
                          webhook_id, "webhook_not_found", "No webhook with this id in this workspace.")


def api_key_for_workspace_or_404(who: Actor, key_id: UUID) -> ApiKey:
    """Any key of the workspace, revoked ones too, with its creator and allowed accounts loaded."""
    return _one_or_hidden(ApiKey.objects.for_workspace(who.workspace).select_related("workspace", "created_by"),
                          key_id, *NOT_FOUND)


def imports_for(who: Actor) -> QuerySet[ImportJob]:
    """The imports this actor may read: the workspace's, or for a key limited to some accounts
    only those it made (an import's results name pins of every account its rows used)."""
    jobs = ImportJob.objects.filter(workspace=who.workspace).select_related("workspace")
    return jobs.filter(created_by_key=who.api_key) if who.restricted_to_accounts else jobs


def import_for_workspace_or_404(who: Actor, job_id: UUID) -> ImportJob:
    """An import this actor may read, without its (possibly large) rows."""
    return _one_or_hidden(imports_for(who).defer("rows"), job_id,
                          "import_not_found", "No import with this id in this workspace.")


def membership_for_team_or_404(who: Actor, membership_id: UUID) -> Membership:
    """A membership of the actor's team, with its user and team loaded."""
    return _one_or_hidden(Membership.objects.for_team(who.team).select_related("team"), membership_id, *NOT_FOUND)


def invitation_for_team_or_404(who: Actor, invitation_id: UUID) -> Invitation:
    """An invitation to the actor's team (pending or not), with its team and inviter loaded."""
    return _one_or_hidden(Invitation.objects.filter(team=who.team).select_related("team", "invited_by"),
                          invitation_id, *NOT_FOUND)
