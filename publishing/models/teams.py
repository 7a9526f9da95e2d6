"""Tables and single-row rules. Reads are QuerySet methods; every read of team data is scoped.

Users only ever see ``public_id`` (a UUID); integer primary keys stay inside the database.
"""

import uuid
import zoneinfo
from datetime import datetime
from typing import Any, NamedTuple

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower

from publishing.models.epochs import EpochQuerySet
from publishing.models.joined_reads import Joined, JoinedRead
from publishing.permissions import Permission, Role, role_can


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone such as Europe/Paris.")


class EmailUserManager(UserManager):
    """Users log in with their email address; there is no separate username."""

    use_in_migrations = True

    def get_queryset(self) -> EpochQuerySet:
        return EpochQuerySet(self.model, using=self._db)

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractUser):
    username = None
    first_name = None
    last_name = None
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=255, blank=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = EmailUserManager()

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]
        # A related manager's add() and deletion's updates write through the base manager: it must
        # change the epoch too (publishing/models/epochs.py).
        base_manager_name = "objects"

    def __str__(self) -> str:
        return self.email

    def __getstate__(self) -> dict[str, Any]:
        # A pickled user (the credential cache's copies in Redis) never carries its password hash:
        # unpickled, the field is deferred, and Django reads it from the database if it is asked for.
        state: dict[str, Any] = super().__getstate__()
        state.pop("password", None)
        return state

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class ApprovalSteps(models.TextChoices):
    """How many approvals a pin needs, and from whom (``publishing.services.approvals`` applies it)."""

    ONE = "one", "One step: a manager, an admin or a guest reviewer"
    MANAGER_THEN_GUEST = "manager_then_guest", "Two steps: a manager, then a guest reviewer"
    TWO_MANAGERS = "two_managers", "Two steps: two different managers"


class Team(models.Model):
    """A customer organisation (the SDK's "organization")."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    # Approval rules; the pipeline asks these through services.pins.pin_needs_approval.
    editor_pins_need_approval = models.BooleanField(default=True)
    api_key_pins_need_approval = models.BooleanField(default=False)
    allow_self_approval = models.BooleanField(default=False)
    approval_steps = models.CharField(max_length=24, choices=ApprovalSteps.choices, default=ApprovalSteps.ONE)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EpochQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        # A related manager's add() and deletion's updates write through the base manager: it must
        # change the epoch too (publishing/models/epochs.py).
        base_manager_name = "objects"

    def __str__(self) -> str:
        return self.name


class WorkspaceQuerySet(EpochQuerySet):
    def for_team(self, team: Team) -> "WorkspaceQuerySet":
        """Workspaces of one team only."""
        return self.filter(team=team)

    def of_member(self, user: "User") -> list["MemberWorkspace"]:
        """Every workspace of every team ``user`` belongs to, with its team and the user's role there,
        as plain rows (``/v1/auth/me`` runs this on every call and only writes them out as JSON): teams
        by name (then by when the user joined), their workspaces by environment and name. One query,
        however many teams, its SQL written once per process."""
        return [MemberWorkspace._make(row) for row in _WORKSPACES_OF_MEMBER.values([user.pk], using=self.db)]


class Workspace(models.Model):
    """A publishing environment of a team (the SDK's "project")."""

    class Environment(models.TextChoices):
        PRODUCTION = "production", "Production"
        SANDBOX = "sandbox", "Sandbox"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="workspaces")
    name = models.CharField(max_length=120)
    environment = models.CharField(max_length=16, choices=Environment.choices, default=Environment.SANDBOX)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        ordering = ["team_id", "environment", "name"]
        # A related manager's add() and deletion's updates write through the base manager: it must
        # change the epoch too (publishing/models/epochs.py).
        base_manager_name = "objects"
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="workspace_name_unique_per_team")]

    def __str__(self) -> str:
        return f"{self.team.name} / {self.name}"

    @property
    def is_sandbox(self) -> bool:
        return self.environment == self.Environment.SANDBOX

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class MembershipQuerySet(EpochQuerySet):
    def for_team(self, team: Team) -> "MembershipQuerySet":
        """Members of one team, with their user rows loaded."""
        return self.filter(team=team).select_related("user")

    def for_user(self, user) -> "MembershipQuerySet":
        """The teams a user belongs to, with the team rows loaded."""
        return self.filter(user=user).select_related("team")


class Membership(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices(), default=Role.EDITOR)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["team_id", "user__email"]
        # A related manager's add() and deletion's updates write through the base manager: it must
        # change the epoch too (publishing/models/epochs.py).
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="one_membership_per_user_and_team"),
            models.CheckConstraint(
                condition=models.Q(role__in=[role.value for role in Role]), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} as {self.role}"

    def can(self, permission: Permission) -> bool:
        return role_can(self.role, permission)


class AuditEventQuerySet(models.QuerySet):
    def for_team(self, team: Team) -> "AuditEventQuerySet":
        """A team's audit trail, newest first, with the acting user loaded."""
        return self.filter(team=team).select_related("actor_user").order_by("-created_at", "-id")

    def filtered(
        self,
        *,
        action: str | None = None,
        target_type: str | None = None,
        actor_text: str | None = None,
        created_from: datetime | None = None,
        created_before: datetime | None = None,
    ) -> "AuditEventQuerySet":
        """The filters the audit trail offers (dashboard and /v1/activity-logs); ``None`` or empty
        leaves one out. ``actor_text`` is contained in the actor's label (an email or a key prefix),
        ignoring case; events recorded in ``[created_from, created_before)``."""
        events = self.filter(**{field: value for field, value in
                                {"action": action, "target_type": target_type}.items() if value})
        if actor_text:
            events = events.filter(actor_label__icontains=actor_text)
        if created_from:
            events = events.filter(created_at__gte=created_from)
        if created_before:
            events = events.filter(created_at__lt=created_before)
        return events


class AuditEvent(models.Model):
    """Append-only record of who (user or API key) did what to what, when and from where."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="audit_events")
    workspace = models.ForeignKey(Workspace, on_delete=models.SET_NULL, null=True, blank=True)
    actor_user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True)
    # The acting API key (by name: keys are defined after teams); neither it nor a user: the system.
    actor_key = models.ForeignKey("publishing.ApiKey", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    # A human-readable label of the actor that survives deletion ("ann@example.com", "API key pb_live_ab12").
    actor_label = models.CharField(max_length=255)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.target_type}:{self.target_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit events are append-only")


class Invitation(models.Model):
    """An emailed invitation to join a team with a role; the token is stored hashed."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices(), default=Role.EDITOR)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.email} to {self.team} as {self.role}"


class MemberWorkspace(NamedTuple):
    """A row of ``Workspace.objects.of_member``: its fields are the read's columns, in order."""

    public_id: uuid.UUID
    name: str
    environment: str
    timezone: str
    team_id: int
    team_public_id: uuid.UUID
    team_name: str
    member_role: str


_WORKSPACES_OF_MEMBER: JoinedRead[Workspace] = JoinedRead(
    tables=[
        Joined(Workspace, "w", columns=MemberWorkspace._fields[:5]),
        Joined(Team, "tm", on="tm.id = w.team_id", columns=("public_id", "name")),
        Joined(Membership, "m", on="m.team_id = w.team_id", columns=("role",)),
    ],
    where="m.user_id = %s",
    order_limit="ORDER BY tm.name, m.id, w.environment, w.name",
)
