"""The sandbox's own tables: a small Pinterest (accounts, OAuth, boards, pins, media) plus the
machinery tests drive it with (a movable clock, fault rules, rate-limit counters).

Text columns Pinterest answers as ``null`` are nullable (ruff's DJ001 silenced on each), since
the API shows null and "" differently. Rows carry both an internal auto id (stable ordering for bookmark paging) and the
``pinterest_id`` digit string the API shows. Time columns hold *sandbox* time
(``pinterest_sandbox.clock.sandbox_now``), never the wall clock.
"""

from django.db import models
from django.db.models import Q

from pinterest_sandbox.ids import new_pinterest_id


class SandboxClock(models.Model):
    """One row: how far sandbox time runs ahead of the wall clock."""

    offset_seconds = models.FloatField(default=0)

    class Meta:
        verbose_name = "sandbox clock"

    def __str__(self) -> str:
        return f"wall clock {self.offset_seconds:+.0f} s"


class SandboxUser(models.Model):
    """A Pinterest account living in the sandbox."""

    class AccountType(models.TextChoices):
        PINNER = "PINNER"
        BUSINESS = "BUSINESS"

    pinterest_id = models.CharField(max_length=20, unique=True, default=new_pinterest_id)
    username = models.CharField(max_length=30, unique=True)
    account_type = models.CharField(max_length=10, choices=AccountType.choices, default=AccountType.BUSINESS)
    business_name = models.CharField(max_length=100, blank=True)
    about = models.CharField(max_length=500, blank=True)
    website_url = models.CharField(max_length=2048, blank=True)
    follower_count = models.PositiveIntegerField(default=0)
    following_count = models.PositiveIntegerField(default=0)
    monthly_views = models.PositiveIntegerField(default=0)
    # The Pinboard login (AUTH_USER_MODEL pk; no FK so this app never depends on the domain app)
    # that created this account on the authorize page: only they, or staff, may act as it again.
    created_by_user_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.username


class AuthorizationCode(models.Model):
    """An OAuth code handed to the redirect_uri: single use, minutes long."""

    code_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(SandboxUser, on_delete=models.CASCADE, related_name="authorization_codes")
    client_id = models.CharField(max_length=64)
    redirect_uri = models.CharField(max_length=2048)
    scopes = models.CharField(max_length=1024)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"code for {self.user} ({'used' if self.used_at else 'unused'})"


class IssuedToken(models.Model):
    """What access and refresh tokens share: a hash, whose it is, for which app and scopes, and
    a lifetime in sandbox time."""

    token_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(SandboxUser, on_delete=models.CASCADE, related_name="%(class)ss")
    client_id = models.CharField(max_length=64)
    scopes = models.CharField(max_length=1024)
    authorization_code = models.ForeignKey(
        AuthorizationCode, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} of {self.user} until {self.expires_at:%Y-%m-%d %H:%M}"

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(s for s in self.scopes.split(",") if s)


class RefreshToken(IssuedToken):
    rotated_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaces"
    )


class AccessToken(IssuedToken):
    refresh_token = models.ForeignKey(RefreshToken, on_delete=models.SET_NULL, null=True, blank=True)


class Board(models.Model):
    class Privacy(models.TextChoices):
        PUBLIC = "PUBLIC"
        PROTECTED = "PROTECTED"
        SECRET = "SECRET"

    pinterest_id = models.CharField(max_length=20, unique=True, default=new_pinterest_id)
    owner = models.ForeignKey(SandboxUser, on_delete=models.CASCADE, related_name="boards")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, null=True)  # noqa: DJ001 - the API tells null from ""
    privacy = models.CharField(max_length=10, choices=Privacy.choices, default=Privacy.PUBLIC)
    is_ads_only = models.BooleanField(default=False)
    follower_count = models.PositiveIntegerField(default=0)
    # Kept up to date on every pin create/delete so listing 250 boards stays one query.
    pin_count = models.PositiveIntegerField(default=0)
    cover_image_url = models.CharField(max_length=2048, blank=True, null=True)  # noqa: DJ001 - the API tells null from ""
    pin_thumbnail_urls = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()
    board_pins_modified_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["owner", "id"])]

    def __str__(self) -> str:
        return self.name


class BoardSection(models.Model):
    pinterest_id = models.CharField(max_length=20, unique=True, default=new_pinterest_id)
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="sections")
    name = models.CharField(max_length=180)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class MediaUpload(models.Model):
    """A registered video upload: ``POST /v5/media``, then the stand-in for S3, then processing."""

    class Status(models.TextChoices):
        REGISTERED = "registered"
        PROCESSING = "processing"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    class ForcedOutcome(models.TextChoices):
        NONE = "", "natural"
        STUCK = "stuck", "stuck in processing"
        FAIL = "fail", "fails"

    pinterest_id = models.CharField(max_length=20, unique=True, default=new_pinterest_id)
    owner = models.ForeignKey(SandboxUser, on_delete=models.CASCADE, related_name="media_uploads")
    media_type = models.CharField(max_length=10, default="video")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REGISTERED)
    upload_key = models.CharField(max_length=200, unique=True)
    upload_parameters = models.JSONField()
    policy_expires_at = models.DateTimeField()
    forced_outcome = models.CharField(max_length=5, choices=ForcedOutcome.choices, default="", blank=True)
    uploaded_at = models.DateTimeField(null=True, blank=True)
    upload_size = models.BigIntegerField(null=True, blank=True)
    detected_mime = models.CharField(max_length=100, blank=True)
    looks_like_video = models.BooleanField(default=False)
    polls_while_processing = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"media {self.pinterest_id} ({self.status})"


class Pin(models.Model):
    pinterest_id = models.CharField(max_length=20, unique=True, default=new_pinterest_id)
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="pins")
    section = models.ForeignKey(
        BoardSection, on_delete=models.SET_NULL, null=True, blank=True, related_name="pins"
    )
    title = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001 - the API tells null from ""
    description = models.CharField(max_length=800, null=True, blank=True)  # noqa: DJ001 - the API tells null from ""
    link = models.CharField(max_length=2048, null=True, blank=True)  # noqa: DJ001 - the API tells null from ""
    alt_text = models.CharField(max_length=500, null=True, blank=True)  # noqa: DJ001 - the API tells null from ""
    dominant_color = models.CharField(max_length=20, null=True, blank=True)  # noqa: DJ001 - the API tells null from ""
    parent_pin_id = models.CharField(max_length=20, null=True, blank=True)  # noqa: DJ001 - the API tells null from ""
    creative_type = models.CharField(max_length=20)
    is_standard = models.BooleanField(default=True)
    # The response's ``media`` object, built once at creation.
    media = models.JSONField()
    media_upload = models.ForeignKey(MediaUpload, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField()
    # How much more (or less) than an ordinary pin its audience engages with it: its analytics are
    # scaled by this. 1.0 for every pin the API creates; set by seeding only (a planted pattern).
    engagement_factor = models.FloatField(default=1.0)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["board", "-id"])]

    def __str__(self) -> str:
        return self.title or self.pinterest_id


class RateLimitCounter(models.Model):
    """Calls one access token made in one minute-long window of sandbox time, in one rate-limit
    category ("": every endpoint without its own; ``org_analytics``: the analytics endpoints)."""

    access_token = models.ForeignKey(
        AccessToken, on_delete=models.CASCADE, related_name="rate_limit_counters"
    )
    category = models.CharField(max_length=32, blank=True, default="")
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["access_token", "category", "window_start"], name="one_counter_per_token_category_window"
            )
        ]

    def __str__(self) -> str:
        return f"{self.count} calls from {self.window_start:%H:%M}"


class FaultRule(models.Model):
    """A scripted misbehaviour for the next N calls to one endpoint (``*`` for any).

    Stored in the database so the live server's threads and worker processes all see it.
    """

    class Kind(models.TextChoices):
        ERROR = "error", "answer with an error"
        RATE_LIMIT = "rate_limit", "answer 429 code 8"
        LATENCY = "latency", "answer late"
        DROP = "drop", "drop the connection (nothing done)"
        TIMEOUT_AFTER = "timeout_after", "do the work, then withhold the answer"
        DROP_AFTER = "drop_after", "do the work, then drop the connection"
        MEDIA_STUCK = "media_stuck", "next registered media never finishes processing"
        MEDIA_FAIL = "media_fail", "next registered media fails processing"

    endpoint = models.CharField(max_length=40)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    code = models.IntegerField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)
    # A raw, non-JSON body (an edge proxy's HTML 502) instead of {code, message}.
    raw_body = models.TextField(blank=True)
    seconds = models.FloatField(null=True, blank=True)
    remaining = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: until cleared")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(remaining__isnull=True) | Q(remaining__gte=0), name="fault_remaining_not_negative"
            )
        ]

    def __str__(self) -> str:
        times = "until cleared" if self.remaining is None else f"{self.remaining} more"
        return f"{self.endpoint}: {self.get_kind_display()} ({times})"
