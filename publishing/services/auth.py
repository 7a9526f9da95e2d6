"""Logging in from code: password checks (throttled like the dashboard) and opaque bearer tokens.

A bearer token is bound to one user and one workspace (the SDK's "active project"); switching
project issues a new one. Tokens are stored hashed, expire, and are revoked on logout, password
change and removal from the team.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core import exceptions as django_exceptions
from django.core.mail import send_mail
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from publishing.models import AccessToken, Membership, Team, User, Workspace
from publishing.models.joined_reads import Joined, JoinedRead
from publishing.services.audit import audit_record
from publishing.services.credential_cache import CredentialCopy, credential_read
from publishing.services.errors import DomainError, RateLimited, ValidationError
from publishing.services.queue import task_enqueue
from publishing.services.secrets import credential_matches, credential_new, credential_prefix, touch_last_used

PASSWORD_RESET_TASK = "publishing.tasks.send_password_reset"
ACCESS_TOKEN_KIND = "pbt"  # never "pb_": a bearer starting with pb_ is read as an API key


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    status_hint = 401


@dataclass(frozen=True)
class IssuedToken:
    token: str
    record: AccessToken

    @property
    def expires_in(self) -> int:
        return max(0, int((self.record.expires_at - timezone.now()).total_seconds()))


def access_token_issue(*, user: User, workspace: Workspace) -> IssuedToken:
    credential = credential_new(ACCESS_TOKEN_KIND)
    record = AccessToken.objects.create(
        user=user,
        workspace=workspace,
        prefix=credential.prefix,
        token_hash=credential.digest,
        expires_at=timezone.now() + timedelta(seconds=settings.API_ACCESS_TOKEN_TTL_SECONDS),
    )
    return IssuedToken(token=credential.plaintext, record=record)


@transaction.atomic
def access_token_switch(*, user: User, workspace: Workspace, replacing: AccessToken | None = None) -> IssuedToken:
    """A token for another workspace; the presented one (``replacing``) stops working at once, so
    a switch never leaves two live tokens behind (the caller replaces its token with the new one)."""
    issued = access_token_issue(user=user, workspace=workspace)
    if replacing is not None:
        access_token_revoke(record=replacing)
    return issued


# The token, its user, workspace and team, and the user's membership of that team (None when they
# left it), in one statement whose SQL is written once per process (publishing/models/joined_reads.py):
# this runs on every request that sends a login token.
_LIVE_TOKEN: JoinedRead[AccessToken] = JoinedRead(
    tables=[
        Joined(AccessToken, "t"),
        Joined(User, "u", on="u.id = t.user_id", attach="user"),
        Joined(Workspace, "w", on="w.id = t.workspace_id", attach="workspace"),
        Joined(Team, "tm", on="tm.id = w.team_id", attach="w.team"),
        Joined(Membership, "m", on="m.user_id = t.user_id AND m.team_id = w.team_id", outer=True,
               attach="membership"),
    ],
    where="t.prefix = %s AND t.revoked_at IS NULL AND t.expires_at > %s AND u.is_active",
    order_limit="LIMIT 1",
)


def _live_token(prefix: str, now: datetime) -> AccessToken | None:
    record = _LIVE_TOKEN.first([prefix, connection.ops.adapt_datetimefield_value(now)])
    if record is None:
        return None
    if record.membership is not None:
        record.membership.team, record.membership.user = record.workspace.team, record.user
    return record


def access_token_resolve(*, token: str) -> CredentialCopy[AccessToken] | None:
    """The live token row for a presented bearer token (read through the credential cache), or None.
    Its ``membership`` is the user's membership of the token's team, with ``team`` and ``user`` set,
    or None when they left the team."""
    prefix = credential_prefix(token, kind_parts=1)
    if prefix is None or not prefix.startswith(f"{ACCESS_TOKEN_KIND}_"):
        return None
    now = timezone.now()
    copy = credential_read(f"access-token:{prefix}", lambda: _live_token(prefix, now))
    if copy is None or not credential_matches(token, copy.record.token_hash):
        return None
    record = copy.record
    if record.expires_at <= now:  # a cached copy was read before it expired
        return None
    if touch_last_used(AccessToken, record, now):
        copy.store()
    return copy


def access_token_authenticate(*, token: str) -> AccessToken | None:
    copy = access_token_resolve(token=token)
    return None if copy is None else copy.record


def access_token_revoke(*, record: AccessToken) -> None:
    AccessToken.objects.filter(pk=record.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def access_tokens_revoke_for_user(*, user: User, team: Team | None = None,
                                  keep: AccessToken | None = None) -> int:
    """Revoke a user's live tokens (in one team's workspaces only, when given)."""
    tokens = AccessToken.objects.filter(user=user, revoked_at__isnull=True)
    if team is not None:
        tokens = tokens.filter(workspace__team=team)
    if keep is not None:
        tokens = tokens.exclude(pk=keep.pk)
    return tokens.update(revoked_at=timezone.now())


def user_authenticate(*, request: HttpRequest, email: str, password: str) -> User:
    """Check an email and password with the same throttle as the dashboard's login (django-axes).

    Failures are counted per account and per IP address; the answer never tells whether the
    email exists.
    """
    user = authenticate(request, username=email.strip().lower(), password=password)
    if getattr(request, "axes_locked_out", False):
        # We answer the lockout ourselves (a JSON 429); tell AxesMiddleware not to swap in its page.
        request.axes_locked_out = False  # type: ignore[attr-defined]  # django-axes's own, untyped attribute
        cool_off_seconds = int(settings.AXES_COOLOFF_TIME * 3600)
        raise RateLimited(
            "login_throttled",
            f"Too many failed logins for this account or address; try again in {cool_off_seconds // 60} minutes.",
            retry_after=cool_off_seconds,
        )
    if user is None:
        raise InvalidCredentials(message="Incorrect email or password.")
    return user


@transaction.atomic
def password_change(*, user: User, current_password: str, new_password: str,
                    keep_token: AccessToken | None = None) -> None:
    if not user.check_password(current_password):
        raise ValidationError("invalid_password", "The current password is not correct.", field="current_password")
    _validate_new_password(new_password, user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    access_tokens_revoke_for_user(user=user, keep=keep_token)
    for membership in Membership.objects.for_user(user):
        audit_record(team=membership.team, action="user.password_changed", user=user, target=user)


def _validate_new_password(password: str, user: User, *, field: str) -> None:
    try:
        validate_password(password, user)
    except django_exceptions.ValidationError as exc:
        raise ValidationError("weak_password", " ".join(exc.messages), field=field) from None


# Password reset tokens travel as "<user public id hex>.<Django token>": Django's generator makes
# them single-use (they hash the password) and expiring (PASSWORD_RESET_TIMEOUT).
def password_reset_token(user: User) -> str:
    return f"{user.public_id.hex}.{default_token_generator.make_token(user)}"


def password_reset_request(*, email: str) -> None:
    """Queue the reset email. The request itself does the same for every address (no lookup): the
    job looks the address up and sends, or does nothing, so neither the answer nor its timing says
    whether an account exists."""
    task_enqueue(PASSWORD_RESET_TASK, email.strip())


def password_reset_email_send(*, email: str) -> bool:
    """The job: email a reset token if the address belongs to an active user; silent otherwise.
    Returns whether an email went out. Running it twice sends a second (equally valid) token."""
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        return False
    token = password_reset_token(user)
    dashboard_link = (
        f"{settings.SITE_URL}/accounts/reset/{urlsafe_base64_encode(force_bytes(user.pk))}/"
        f"{token.split('.', 1)[1]}/"
    )
    send_mail(
        subject="Reset your Pinboard password",
        message=(
            "Someone asked to reset the password of your Pinboard account.\n\n"
            f"Choose a new password here: {dashboard_link}\n\n"
            f"Or, from the API (POST /v1/auth/reset-password), use this token:\n{token}\n\n"
            "If it was not you, ignore this email: your password stays as it is."
        ),
        from_email=None,
        recipient_list=[user.email],
    )
    return True


@transaction.atomic
def password_reset_confirm(*, token: str, password: str) -> User:
    invalid = ValidationError("invalid_token", "This reset token is invalid or has already been used.", field="token")
    user_hex, _, django_token = token.partition(".")
    try:
        user = User.objects.select_for_update().get(public_id=user_hex, is_active=True)
    except (User.DoesNotExist, django_exceptions.ValidationError, ValueError):
        raise invalid from None
    if not default_token_generator.check_token(user, django_token):
        raise invalid
    _validate_new_password(password, user, field="password")
    user.set_password(password)
    user.save(update_fields=["password"])
    access_tokens_revoke_for_user(user=user)
    for membership in Membership.objects.for_user(user):
        audit_record(team=membership.team, action="user.password_reset", user=user, target=user)
    return user
