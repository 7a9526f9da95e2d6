import logging
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from publishing.access import Actor, authorize
from publishing.models import ApprovalSteps, Asset, Invitation, Membership, Pin, Schedule, Team, User, Workspace
from publishing.permissions import Role
from publishing.services.audit import audit_record
from publishing.services.auth import access_tokens_revoke_for_user, password_reset_request
from publishing.services.errors import (
    Conflict,
    DomainError,
    InvalidState,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from publishing.services.notifications import notification_email_backoff
from publishing.services.queue import task_enqueue
from publishing.services.secrets import credential_hash, token_new

logger = logging.getLogger("publishing.teams")

INVITATION_EMAIL_TASK = "publishing.tasks.send_invitation"


@transaction.atomic
def team_create(*, name: str, timezone: str = "UTC", actor: User | None = None) -> Team:
    """A team with its sandbox workspace (every team can try things safely)."""
    team = Team.objects.create(name=name)
    workspace_create(team=team, name="Sandbox", environment=Workspace.Environment.SANDBOX, timezone=timezone)
    audit_record(team=team, action="team.created", user=actor, target=team)
    return team


def workspace_create(*, team: Team, name: str, environment: str, timezone: str = "UTC") -> Workspace:
    workspace = Workspace(team=team, name=name, environment=environment, timezone=timezone)
    workspace.full_clean(exclude=["team"])
    workspace.save()
    return workspace


@transaction.atomic
def membership_set_role(*, team: Team, user: User, role: str, actor: Actor | None = None) -> Membership:
    """Add a user to a team with a role, or change the role of an existing member (``actor``: who
    did; None for setup and accepted invitations). A team always keeps at least one admin."""
    role = Role(role)
    membership, created = Membership.objects.get_or_create(team=team, user=user, defaults={"role": role})
    if not created:
        # One role change per team at a time (the team row's lock), then counted: two admins
        # demoting each other at once cannot both still see the other as admin.
        Team.objects.select_for_update().filter(pk=team.pk).first()
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if membership.role == Role.ADMIN and role != Role.ADMIN and _admins_left_after(membership, role) == 0:
            raise LastAdmin(message="The team needs at least one admin; promote someone else first.")
    if not created and membership.role != role:
        previous = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        audit_record(team=team, action="member.role_changed", actor=actor, target=membership,
                     details={"email": user.email, "from": previous, "to": role.value})
    elif created:
        audit_record(team=team, action="member.added", actor=actor, target=membership,
                     details={"email": user.email, "role": role.value})
    return membership


# --- members and invitations (the dashboard and /v1/team call these) ---------------------------

class LastAdmin(Conflict):
    code = "last_admin"


def _admins_left_after(membership: Membership, new_role: str | None) -> int:
    others = Membership.objects.filter(team=membership.team, role=Role.ADMIN).exclude(pk=membership.pk).count()
    return others + (1 if new_role == Role.ADMIN else 0)


@transaction.atomic
def membership_update_role(*, membership: Membership, role: str, actor: Actor) -> Membership:
    """Change a member's role (``membership_set_role`` keeps the last admin)."""
    authorize(actor, "member.set_role", team=membership.team)
    membership = Membership.objects.select_related("team", "user").get(pk=membership.pk)
    return membership_set_role(team=membership.team, user=membership.user, role=role, actor=actor)


@transaction.atomic
def membership_remove(*, membership: Membership, actor: Actor) -> None:
    """Remove a member from the team: their login tokens for its workspaces stop working at once."""
    authorize(actor, "member.remove", team=membership.team)
    membership = Membership.objects.select_for_update().select_related("team", "user").get(pk=membership.pk)
    if membership.role == Role.ADMIN and _admins_left_after(membership, None) == 0:
        raise LastAdmin(message="The team's last admin cannot be removed.")
    access_tokens_revoke_for_user(user=membership.user, team=membership.team)
    audit_record(team=membership.team, action="member.removed", actor=actor, target=membership,
                 details={"email": membership.user.email, "role": membership.role})
    membership.delete()


def _invitation_email(invitation: Invitation, token: str) -> None:
    inviter = invitation.invited_by.get_full_name() if invitation.invited_by else "An admin"
    try:
        accept_link = f"{settings.SITE_URL}{reverse('invitation_accept')}?{urlencode({'token': token})}"
    except NoReverseMatch:
        accept_link = None
    lines = [f"{inviter} invited you to join {invitation.team.name} on Pinboard as {invitation.role}.", ""]
    if accept_link:
        lines += [f"Accept the invitation: {accept_link}", ""]
    lines += [
        f"Or accept it from the API (POST /v1/team/invitations/accept) with this token:\n{token}",
        "",
        f"The invitation expires on {invitation.expires_at:%Y-%m-%d %H:%M} UTC.",
    ]
    send_mail(subject=f"Join {invitation.team.name} on Pinboard", message="\n".join(lines), from_email=None,
              recipient_list=[invitation.email])


def _invitation_issue_token(invitation: Invitation) -> str:
    token, digest = token_new()
    invitation.token_hash = digest
    invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS)
    return token


@transaction.atomic
def invitation_create(*, actor: Actor, email: str, role: str) -> Invitation:
    """Invite an address to the actor's team with a role; the token only ever exists in the email, which a
    worker sends (``invitation_email_send``)."""
    authorize(actor, "invitation.create")
    team = actor.team
    email = email.strip().lower()
    role = Role(role)
    if Membership.objects.filter(team=team, user__email__iexact=email).exists():
        raise Conflict("already_member", f"{email} is already a member of this team.")
    pending = Invitation.objects.filter(team=team, email__iexact=email, accepted_at__isnull=True,
                                        revoked_at__isnull=True, expires_at__gt=timezone.now())
    if pending.exists():
        raise Conflict("invitation_pending", f"{email} already has a pending invitation; resend it instead.")
    invitation = Invitation(team=team, email=email, role=role, invited_by=actor.user)
    _invitation_issue_token(invitation)  # a hash no one holds: the email's token is issued by its job
    invitation.save()
    audit_record(team=team, action="invitation.created", actor=actor, target=invitation,
                 details={"email": email, "role": role.value})
    task_enqueue(INVITATION_EMAIL_TASK, invitation.pk, invitation.token_hash)
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, actor: Actor) -> Invitation:
    """Email a fresh token (the old one stops working at once) with a new expiry, from a worker."""
    authorize(actor, "invitation.resend", team=invitation.team)
    invitation = (
        Invitation.objects.select_for_update(of=("self",)).select_related("team", "invited_by").get(pk=invitation.pk)
    )
    if invitation.accepted_at or invitation.revoked_at:
        raise InvalidState("invitation_closed", "This invitation was already accepted or revoked.")
    _invitation_issue_token(invitation)  # the old token stops working now; the job emails a new one
    invitation.save(update_fields=["token_hash", "expires_at", "updated_at"])
    audit_record(team=invitation.team, action="invitation.resent", actor=actor, target=invitation,
                 details={"email": invitation.email})
    task_enqueue(INVITATION_EMAIL_TASK, invitation.pk, invitation.token_hash)
    return invitation


def invitation_email_send(*, invitation_id: int, placeholder_hash: str, attempt: int = 1) -> str:
    """The job behind an invitation or a resend: issue the token and email it (it exists only in that
    email; the expiry counts from now). Sent from a worker, so a slow or failing mail server never
    holds up or fails the admin's request. ``placeholder_hash``: the hash the request left, which no
    one holds; once the job has sent its token, or a resend has replaced it, it is gone, so a job run
    twice or overtaken by a resend sends nothing. Nor is an invitation accepted or revoked meanwhile.

    The email is sent inside the transaction that stores its token's hash: if the mail server refuses
    it, the hash is rolled back, the placeholder stays, and the job is enqueued again later (on the
    notification emails' schedule: ``NOTIFICATION_EMAIL_MAX_ATTEMPTS`` attempts, doubling waits).
    Returns ``sent``, ``skipped``, ``retrying`` or ``failed``."""
    try:
        with transaction.atomic():
            invitation = (Invitation.objects.select_for_update(of=("self",)).select_related("team", "invited_by")
                          .filter(pk=invitation_id, token_hash=placeholder_hash, accepted_at__isnull=True,
                                  revoked_at__isnull=True).first())
            if invitation is None:
                return "skipped"
            token = _invitation_issue_token(invitation)
            invitation.save(update_fields=["token_hash", "expires_at", "updated_at"])
            _invitation_email(invitation, token)
    except Exception as error:  # the mail server or the database: tried again, never lost in silence
        if attempt >= settings.NOTIFICATION_EMAIL_MAX_ATTEMPTS:
            logger.error("invitation %s: email failed for good after %s attempts (%s)", invitation_id, attempt,
                         type(error).__name__)
            return "failed"
        task_enqueue(INVITATION_EMAIL_TASK, invitation_id, placeholder_hash, attempt + 1,
                     at=timezone.now() + notification_email_backoff(attempt))
        logger.warning("invitation %s: email attempt %s failed (%s); trying again", invitation_id, attempt,
                       type(error).__name__)
        return "retrying"
    return "sent"


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: Actor) -> Invitation:
    authorize(actor, "invitation.revoke", team=invitation.team)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:
        raise InvalidState("invitation_closed", "This invitation was already accepted.")
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at", "updated_at"])
        audit_record(team=invitation.team, action="invitation.revoked", actor=actor, target=invitation,
                     details={"email": invitation.email})
    return invitation


def invitation_status(invitation: Invitation) -> str:
    if invitation.accepted_at:
        return "accepted"
    if invitation.revoked_at:
        return "revoked"
    if invitation.expires_at <= timezone.now():
        return "expired"
    return "pending"


def invitation_by_token(token: str) -> Invitation:
    """The invitation a token opens, whatever its status; NotFound for an unknown token."""
    invitation = (Invitation.objects.select_related("team", "invited_by")
                  .filter(token_hash=credential_hash(token.strip())).first())
    if invitation is None:
        raise NotFound("invitation_not_found", "No invitation matches this token.")
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user: User | None = None) -> tuple[Membership, User]:
    """Join the team the invitation names.

    A logged-in user accepts for their own address only. Without a login, the token (which only
    reached the invited inbox) creates the account for a new address, and a set-password email
    follows; an address that already has an account must log in first.
    """
    invitation = invitation_by_token(token)
    invitation = Invitation.objects.select_for_update().select_related("team").get(pk=invitation.pk)
    status = invitation_status(invitation)
    if status != "pending":
        raise InvalidState(f"invitation_{status}", f"This invitation is {status}.")
    existing = User.objects.filter(email__iexact=invitation.email).first()
    if user is not None and user.email.lower() != invitation.email.lower():
        raise PermissionDenied("invitation_email_mismatch",
                               f"This invitation is for {invitation.email}; log in with that address to accept it.")
    if user is None and existing is not None:
        raise DomainError("login_required", f"{invitation.email} already has an account: log in, then accept.", 401)
    if existing is not None and Membership.objects.filter(team=invitation.team, user=existing).exists():
        # A resent stale invitation must not change a member's role (nor demote the last admin):
        # roles of members change through membership_update_role only.
        raise Conflict("already_member", f"{invitation.email} is already a member of {invitation.team.name}.")
    created = user is None
    if user is None:
        # The manager (publishing/models/teams.py) is not annotated yet: mypy sees an untyped call.
        user = User.objects.create_user(email=invitation.email, password=None)  # type: ignore[no-untyped-call]
    membership = membership_set_role(team=invitation.team, user=user, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at", "updated_at"])
    audit_record(team=invitation.team, action="invitation.accepted", user=user, target=invitation,
                 details={"email": invitation.email, "role": invitation.role})
    if created:
        transaction.on_commit(lambda: password_reset_request(email=user.email))
    return membership, user


@transaction.atomic
def user_update_profile(*, user: User, full_name: str) -> User:
    user.full_name = full_name.strip()
    user.save(update_fields=["full_name"])
    return user


# --- workspaces ------------------------------------------------------------------------------

@transaction.atomic
def workspace_rename(*, actor: Actor, name: str) -> Workspace:
    """Rename the actor's workspace."""
    authorize(actor, "workspace.rename")
    workspace = actor.workspace
    name = name.strip()
    if not name:
        raise ValidationError("name_required", "A workspace needs a name.", field="workspace_name")
    if Workspace.objects.for_team(workspace.team).filter(name=name).exclude(pk=workspace.pk).exists():
        raise ValidationError("name_taken", f"The team already has a workspace named {name!r}.", field="workspace_name")
    previous, workspace.name = workspace.name, name
    workspace.save(update_fields=["name"])
    audit_record(team=workspace.team, workspace=workspace, action="workspace.renamed", actor=actor,
                 target=workspace, details={"from": previous, "to": name})
    return workspace


@transaction.atomic
def workspace_sandbox_ensure(*, actor: Actor, name: str | None = None) -> tuple[Workspace, bool]:
    """The actor's team's sandbox workspace, created when it has none (a team has at most one)."""
    authorize(actor, "workspace.sandbox_create")
    team = actor.team
    Team.objects.select_for_update().filter(pk=team.pk).first()  # serialise concurrent creates
    existing = Workspace.objects.for_team(team).filter(environment=Workspace.Environment.SANDBOX).first()
    if existing:
        return existing, False
    timezone_name = Workspace.objects.for_team(team).values_list("timezone", flat=True).first() or "UTC"
    workspace = workspace_create(team=team, name=name or "Sandbox", environment=Workspace.Environment.SANDBOX,
                                 timezone=timezone_name)
    audit_record(team=team, workspace=workspace, action="workspace.created", actor=actor, target=workspace)
    return workspace, True


@transaction.atomic
def workspace_sandbox_reset(*, workspace: Workspace, actor: Actor) -> None:
    """Clear a sandbox's content (schedules, pins, assets and their files) and keep the workspace,
    its connected accounts, keys and webhooks, so testing can start again at once."""
    authorize(actor, "workspace.sandbox_reset", team=workspace.team)

    if not workspace.is_sandbox:
        raise InvalidState("not_a_sandbox", "Only sandbox workspaces can be reset.")
    files = [name for name in Asset.objects.filter(workspace=workspace).values_list("file", flat=True) if name]
    counts = {
        "schedules": Schedule.objects.filter(workspace=workspace).delete()[0],
        "pins": Pin.objects.filter(workspace=workspace).delete()[0],
        "assets": Asset.objects.filter(workspace=workspace).delete()[0],
    }
    audit_record(team=workspace.team, workspace=workspace, action="workspace.sandbox_reset", actor=actor,
                 target=workspace, details=counts)
    transaction.on_commit(lambda: _delete_files(files))


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


# --- approval rules (the dashboard's team settings) -------------------------------------------

APPROVAL_RULES = ("editor_pins_need_approval", "api_key_pins_need_approval", "allow_self_approval", "approval_steps")


def _rule_value(name: str, value: object) -> bool | str:
    """A rule as stored: the number of approval steps is one of ``ApprovalSteps``; the others are on or off."""
    if name != "approval_steps":
        return bool(value)
    if value not in ApprovalSteps.values:
        raise ValidationError("invalid_choice", f"Choose one of: {', '.join(ApprovalSteps.values)}.",
                              field="approval_steps")
    return str(value)


@transaction.atomic
def team_approval_rules_update(*, actor: Actor, **rules: bool | str) -> Team:
    """Set any of the actor's team's approval rules (``APPROVAL_RULES``); pins created afterwards follow
    them, and a pin already waiting continues with the new number of steps at its next decision."""
    authorize(actor, "team.approval_rules")
    team = actor.team
    unknown = set(rules) - set(APPROVAL_RULES)
    if unknown:
        raise ValueError(f"Unknown approval rules: {', '.join(sorted(unknown))}")
    team = Team.objects.select_for_update().get(pk=team.pk)
    values = {name: _rule_value(name, value) for name, value in rules.items()}
    changes = {name: value for name, value in values.items() if getattr(team, name) != value}
    if changes:
        for name, value in changes.items():
            setattr(team, name, value)
        team.save(update_fields=list(changes))
        audit_record(team=team, action="team.approval_rules_changed", actor=actor, target=team, details=changes)
    return team
