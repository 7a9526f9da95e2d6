"""Who is acting, in which team and workspace, and may they? The one access policy.

- ``Actor``: one frozen value for whoever acts (a member, an API key, a guest link, a system job),
  with its team, workspace, role, key scopes, account allow-list and one ``label`` for audits.
- ``ACTIONS``: every operation of the services, with the role permission and the key scope it
  needs. ``authorize(actor, action, account=...)`` opens each service; the dashboard and the /v1
  API only build the actor and turn a refusal into a page or a 403/404.
- Refusals: ``AccessHidden`` (404: an outsider, or another workspace's object; nothing about it is
  revealed) and ``AccessForbidden`` (403: a member or key that may see but not do this).
"""

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any, TypeVar, cast

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from publishing.models import ApiKey, Membership, Pin, PinterestAccount, ReviewLink, Schedule, Team, User, Workspace
from publishing.permissions import Permission, permissions_for, role_can
from publishing.services.errors import DomainError, NotFound
from publishing.services.errors import PermissionDenied as DomainPermissionDenied


class ActorKind(StrEnum):
    USER = "user"
    API_KEY = "api_key"
    GUEST_LINK = "guest_link"  # someone outside the team with a review link: actions marked ``guest``, on its items
    SYSTEM = "system"


class Scope(StrEnum):
    """What an API key's scopes must include for an action (the ApiKeyScope values)."""

    READ = "read"
    WRITE = "write"
    DESTRUCTIVE = "destructive"
    APPROVE = "approve"  # deciding on pins held for approval: never implied by write


@dataclass(frozen=True)
class Action:
    permission: Permission  # what a member's role must hold
    scope: Scope  # what an API key's scopes must hold
    user_only: bool = False  # people and credentials: a key never manages them
    all_accounts: bool = False  # spans every account: not for a key limited to some accounts
    guest: bool = False  # a guest link may do it (on what its link covers: the link's face finds that)


def _act(permission: Permission, scope: str, **flags: bool) -> Action:
    return Action(permission, Scope(scope), **flags)


P = Permission
ACTIONS: dict[str, Action] = {
    # Reading anything of the workspace (lists, details, reports, boards, activity).
    "workspace.read": _act(P.VIEW_REPORTS, "read"),
    "pin.create": _act(P.PUBLISH, "write"),
    "pin.validate": _act(P.PUBLISH, "write"),
    "pin.edit": _act(P.PUBLISH, "write"),
    "pin.retry": _act(P.APPROVE, "write"),  # a retry publishes again: an approver's call in every face
    # A guest reviewer decides through their review link (on the link's pins and schedules only).
    "pin.approve": _act(P.APPROVE, "approve", guest=True),
    "pin.reject": _act(P.APPROVE, "approve", guest=True),
    "pin.delete": _act(P.DELETE_CONTENT, "destructive"),
    # Commenting is taking part in the work on a pin: whoever may publish (editors up); viewers read.
    "pin.comment": _act(P.PUBLISH, "write", guest=True),  # a guest reviewer comments through their link
    "schedule.comment": _act(P.PUBLISH, "write", guest=True),  # the same conversation on a schedule's content
    "schedule.create": _act(P.PUBLISH, "write"),
    "schedule.validate": _act(P.PUBLISH, "write"),
    "schedule.update": _act(P.PUBLISH, "write"),
    "schedule.cancel": _act(P.PUBLISH, "write"),
    "schedule.retry": _act(P.APPROVE, "write"),  # retries the schedule's failed pin
    "schedule.delete": _act(P.DELETE_CONTENT, "destructive"),
    # "Add to queue": a schedule at the account's next free posting slot (services/posting_queue.py).
    "queue.add": _act(P.PUBLISH, "write"),
    # Before its pin exists on the schedule itself, afterwards on the pin it made (held for approval).
    "schedule.approve": _act(P.APPROVE, "approve", guest=True),
    "schedule.reject": _act(P.APPROVE, "approve", guest=True),
    # Sending pins to a guest reviewer is an approver's call (keys: the approve scope), and so is seeing
    # the links (they name the guests).
    "review_link.list": _act(P.APPROVE, "approve"),
    "review_link.create": _act(P.APPROVE, "approve"),
    "review_link.revoke": _act(P.APPROVE, "approve"),
    "import.create": _act(P.PUBLISH, "write"),
    "asset.upload": _act(P.PUBLISH, "write"),
    "asset.delete": _act(P.DELETE_CONTENT, "destructive"),
    # The refresh button (the /v1 board reads refresh a stale cache as part of reading).
    "board.refresh": _act(P.MANAGE_INTEGRATIONS, "write"),
    "board.create": _act(P.MANAGE_INTEGRATIONS, "write"),
    "board.update": _act(P.MANAGE_INTEGRATIONS, "write"),
    "board.delete": _act(P.MANAGE_INTEGRATIONS, "destructive"),
    "account.connect": _act(P.MANAGE_INTEGRATIONS, "write"),
    "account.disconnect": _act(P.MANAGE_INTEGRATIONS, "destructive"),
    # An account's weekly posting slots: set up like the account itself (admins; keys with write).
    "account.slots_set": _act(P.MANAGE_INTEGRATIONS, "write"),
    # Adding the suggested times learned from the account's results (services/best_times.py) to its
    # week: a manager's call, as planning the queue is; slots already there are kept.
    "account.slots_apply_suggested": _act(P.APPROVE, "write"),
    # Webhooks get every account's events and send the team's data elsewhere.
    "webhook.create": _act(P.MANAGE_INTEGRATIONS, "write", all_accounts=True),
    "webhook.update": _act(P.MANAGE_INTEGRATIONS, "write", all_accounts=True),
    "webhook.delete": _act(P.MANAGE_INTEGRATIONS, "destructive", all_accounts=True),
    "api_key.list": _act(P.MANAGE_API_KEYS, "read", user_only=True),
    "api_key.create": _act(P.MANAGE_API_KEYS, "write", user_only=True),
    "api_key.update": _act(P.MANAGE_API_KEYS, "write", user_only=True),
    "api_key.rotate": _act(P.MANAGE_API_KEYS, "write", user_only=True),
    "api_key.revoke": _act(P.MANAGE_API_KEYS, "destructive", user_only=True),
    "member.set_role": _act(P.MANAGE_MEMBERS, "write", user_only=True),
    "member.remove": _act(P.MANAGE_MEMBERS, "destructive", user_only=True),
    "invitation.list": _act(P.MANAGE_MEMBERS, "read", user_only=True),
    "invitation.create": _act(P.MANAGE_MEMBERS, "write", user_only=True),
    "invitation.resend": _act(P.MANAGE_MEMBERS, "write", user_only=True),
    "invitation.revoke": _act(P.MANAGE_MEMBERS, "destructive", user_only=True),
    "team.audit_read": _act(P.MANAGE_MEMBERS, "read", user_only=True),
    "team.approval_rules": _act(P.MANAGE_MEMBERS, "write", user_only=True),
    "workspace.rename": _act(P.MANAGE_MEMBERS, "write", user_only=True),
    # The workspace settings page (time zone, approval rules, posting slots) and the time zone itself.
    "workspace.time_zone": _act(P.MANAGE_MEMBERS, "write", user_only=True),
    "workspace.sandbox_create": _act(P.MANAGE_INTEGRATIONS, "write"),
    "workspace.sandbox_reset": _act(P.DELETE_CONTENT, "destructive"),
}
del P


class AccessRefused(DomainError):
    """The refusals ``authorize`` raises: a face never mistakes one for bad input."""


class AccessHidden(AccessRefused, NotFound):
    """404: the actor is not in the team, or the object is another workspace's."""


class AccessForbidden(AccessRefused, DomainPermissionDenied):
    """403: the actor sees the workspace but may not do this."""


# Any model's queryset, kept as its own class so a narrowed PinQuerySet still has its methods.
AnyQuerySet = TypeVar("AnyQuerySet", bound="QuerySet[Any]")


@dataclass(frozen=True, eq=False)
class Actor:
    """Whoever acts. Build it with ``for_user``, ``for_key`` or ``system``; never by hand in a face."""

    kind: ActorKind
    workspace: Workspace
    user: User | None = None
    api_key: ApiKey | None = None
    role: str | None = None  # the member's role; None for keys, system jobs and outsiders
    scopes: frozenset[str] = frozenset()
    allowed_account_ids: frozenset[int] | None = None  # None: every account of the workspace
    job: str = ""  # what a system job is doing ("schedule", "import", ...)
    guest_name: str = ""  # a guest link's reviewer, as they gave their name: their label
    review_link: ReviewLink | None = field(default=None, repr=False)  # a guest's link: what they may act on
    membership: Membership | None = field(default=None, repr=False)

    @classmethod
    def for_user(cls, user: User, workspace: Workspace, membership: Membership | None = None) -> "Actor":
        if membership is None or membership.team_id != workspace.team_id:
            membership = Membership.objects.filter(user=user, team_id=workspace.team_id).select_related(
                "team").first()
        return cls(kind=ActorKind.USER, workspace=workspace, user=user, membership=membership,
                   role=membership.role if membership is not None and user.is_active else None)

    @classmethod
    def for_key(cls, key: ApiKey) -> "Actor":
        allowed = (frozenset(key.allowed_accounts.values_list("pk", flat=True)) if key.restricts_accounts
                   else None)
        return cls(kind=ActorKind.API_KEY, workspace=key.workspace, api_key=key,
                   scopes=frozenset(key.scopes or []), allowed_account_ids=allowed)

    @classmethod
    def system(cls, workspace: Workspace, *, job: str) -> "Actor":
        return cls(kind=ActorKind.SYSTEM, workspace=workspace, job=job)

    @classmethod
    def for_review_link(cls, link: ReviewLink, *, guest_name: str) -> "Actor":
        """A guest acting through ``link`` under the name they gave: the link's items only."""
        return cls(kind=ActorKind.GUEST_LINK, workspace=link.workspace, review_link=link,
                   guest_name=guest_name.strip())

    @classmethod
    def for_creator(cls, workspace: Workspace, *, user: User | None, key: ApiKey | None) -> "Actor":
        """Whoever made a piece of queued work (an import, a schedule): its rows act as them."""
        if key is not None:
            return cls.for_key(key)
        if user is None:  # the creator's account was deleted: a user with no role, refused everything
            return cls(kind=ActorKind.USER, workspace=workspace)
        return cls.for_user(user, workspace)

    @property
    def team(self) -> Team:
        return self.workspace.team

    @cached_property
    def key_lineage_ids(self) -> frozenset[int]:
        """An API key's id and those of the keys it was rotated from or into (one query, once per actor:
        a bulk approval checks every pin against it); empty for anyone else."""
        return frozenset(ApiKey.objects.lineage_ids(self.api_key.pk if self.api_key is not None else None))

    @property
    def label(self) -> str:
        """How audits and logs name this actor: one spelling per kind."""
        if self.kind == ActorKind.API_KEY and self.api_key is not None:
            return f"API key {self.api_key.prefix}"
        if self.kind == ActorKind.USER:
            return self.user.email if self.user is not None else "deleted user"
        if self.kind == ActorKind.SYSTEM:
            return f"system ({self.job})" if self.job else "system"
        if self.kind == ActorKind.GUEST_LINK and self.guest_name:
            return self.guest_name
        return "guest link"

    @property
    def restricted_to_accounts(self) -> bool:
        return self.allowed_account_ids is not None

    def may_use(self, account: PinterestAccount) -> bool:
        """Whether the account is on this actor's allow-list (always, without one)."""
        return self.allowed_account_ids is None or account.pk in self.allowed_account_ids

    def may(self, action: str, *, account: PinterestAccount | None = None) -> bool:
        """Whether ``authorize`` would let this actor through (to shape a page, never to refuse)."""
        try:
            authorize(self, action, account=account)
        except (AccessHidden, AccessForbidden):
            return False
        return True

    def filter_accounts(self, queryset: AnyQuerySet, field: str = "pk") -> AnyQuerySet:
        """Narrow a queryset to the accounts this actor may use (``field`` names the account id)."""
        allowed = self.allowed_account_ids
        return queryset if allowed is None else queryset.filter(**{f"{field}__in": allowed})


def _link_covers(link: ReviewLink, item: models.Model | None) -> bool:
    """Whether ``item`` is one of the link's pins or schedules (a schedule's pin counts as the schedule)."""
    if isinstance(item, Pin):
        return link.pins.filter(pk=item.pk).exists() or link.schedules.filter(pin=item).exists()
    if isinstance(item, Schedule):
        return link.schedules.filter(pk=item.pk).exists()
    return False


def authorize(actor: Actor, action: str, *, account: PinterestAccount | None = None,
              workspace: Workspace | None = None, team: Team | None = None,
              item: models.Model | None = None) -> Actor:
    """The access check every service opens with. ``workspace``/``team``: where the object acted on
    lives (another one is a 404); ``account``: the Pinterest account it uses (a key's allow-list);
    ``item``: the pin or schedule acted on, which a guest's review link must cover (open, not
    revoked): anything else is hidden from a guest (404), so a link tells nothing about other pins."""
    rule = ACTIONS[action]  # an unknown action is a programming error, not a refusal
    if workspace is not None and workspace.pk != actor.workspace.pk:
        raise AccessHidden("not_found", "Not found in this workspace.")
    if team is not None and team.pk != actor.workspace.team_id:
        raise AccessHidden("not_found", "Not found in this team.")
    if actor.kind == ActorKind.SYSTEM:
        return actor  # jobs carry out work someone was authorized for when they asked
    if actor.kind == ActorKind.GUEST_LINK:
        link = actor.review_link
        if link is None or not link.is_open() or not _link_covers(link, item):
            raise AccessHidden("not_found", "Not found.")
        if not rule.guest:
            raise AccessForbidden("guest_link", "A guest link may not do this.")
        return actor
    if actor.kind == ActorKind.USER:
        if actor.role is None:
            raise AccessHidden("no_team", "You are not a member of this team.")
        if not role_can(actor.role, rule.permission):
            raise AccessForbidden("insufficient_role",
                                  f"Your role ({actor.role}) may not {rule.permission.value.replace('_', ' ')}.")
    else:
        if rule.user_only:
            raise AccessForbidden("user_required", "This needs a logged-in admin (bearer token), not an API key.")
        if rule.scope.value not in actor.scopes:
            raise AccessForbidden("insufficient_scope", f"This API key does not have the '{rule.scope}' scope.")
        if rule.all_accounts and actor.restricted_to_accounts:
            raise AccessForbidden("account_restricted_key", "This API key is limited to some Pinterest accounts; "
                                  "it may not manage what covers the whole workspace.")
    if account is not None and not actor.may_use(account):
        raise AccessForbidden("account_not_permitted", "This API key may not use this Pinterest account.")
    return actor

SESSION_TEAM_KEY = "pinboard_team"
SESSION_WORKSPACE_KEY = "pinboard_workspace"


@dataclass(frozen=True)
class TeamContext:
    """The dashboard's caller: the logged-in member, in the workspace they chose."""

    user: User
    membership: Membership
    workspace: Workspace

    @property
    def team(self) -> Team:
        return self.membership.team

    @property
    def role(self) -> str:
        return self.membership.role

    @cached_property
    def actor(self) -> Actor:
        return Actor.for_user(self.user, self.workspace, self.membership)

    def can(self, permission: Permission) -> bool:
        return self.membership.can(permission)

    @property
    def permissions(self) -> dict[str, bool]:
        return permissions_for(self.role)


def resolve_team_context(user: User, team_id: str | None = None,
                         workspace_id: str | None = None) -> TeamContext | None:
    """The user's membership and workspace, preferring the ids remembered in the session.

    Falls back to the user's first team and that team's first workspace, so a stale or
    foreign id never leaks anything: it is simply ignored.
    """
    if not user.is_authenticated:
        return None
    memberships = Membership.objects.for_user(user)
    membership = None
    if team_id:
        membership = memberships.filter(team__public_id=team_id).first()
    membership = membership or memberships.order_by("team__name", "id").first()
    if membership is None:
        return None
    workspaces = Workspace.objects.for_team(membership.team)
    workspace = workspaces.filter(public_id=workspace_id).first() if workspace_id else None
    workspace = workspace or workspaces.order_by("environment", "name").first()
    if workspace is None:
        return None
    return TeamContext(user=user, membership=membership, workspace=workspace)


def team_context_or_404(request: HttpRequest, action: str | None = None) -> TeamContext:
    """What every dashboard view starts with: the caller's context, and for a page that shows an
    action's form before any service runs, ``authorize`` for that action (same table, no account)."""
    # Set by CurrentWorkspaceMiddleware: None, or a SimpleLazyObject standing in for resolve_team_context().
    context = cast("TeamContext | None", getattr(request, "team_context", None))
    if not context:  # None, or a lazy object wrapping None
        raise Http404("You are not a member of any team yet.")
    if action is not None:
        authorize(context.actor, action)
    return context


def refusal_as_django(error: AccessRefused) -> Exception:
    """A refusal as the dashboard shows it: Django's 404 or 403 page."""
    if isinstance(error, AccessHidden):
        return Http404(error.message)
    return PermissionDenied(error.message)
