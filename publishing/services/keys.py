"""API keys: create (plaintext shown once), update, revoke, rotate with a grace period, authenticate.

The dashboard, the Django admin and the /v1 API all call these functions.
A key is ``pb_live_<lookup>_<secret>`` (``pb_test_`` in sandbox workspaces); only the
``pb_live_<lookup>`` prefix and the SHA-256 of the whole key are stored.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Final, Literal

from django.db import transaction
from django.utils import timezone

from publishing.access import Actor, authorize
from publishing.models import ApiKey, ApiKeyScope, PinterestAccount, Team, Workspace
from publishing.models.joined_reads import Joined, JoinedRead
from publishing.services.audit import audit_record
from publishing.services.credential_cache import CredentialCopy, credential_read
from publishing.services.errors import InvalidState, ValidationError
from publishing.services.secrets import credential_matches, credential_new, credential_prefix, touch_last_used

DEFAULT_SCOPES = [ApiKeyScope.READ.value, ApiKeyScope.WRITE.value]
ALL_SCOPES = [scope.value for scope in ApiKeyScope]


class Unset(Enum):
    """Marks an argument that was not passed (None means something: no account allow-list)."""

    UNSET = "unset"


UNSET: Final = Unset.UNSET


@dataclass(frozen=True)
class IssuedKey:
    """A key row and its plaintext, which exists only here: show it once, never store it."""

    key: ApiKey
    plaintext: str


def _kind(workspace: Workspace) -> str:
    return "pb_test" if workspace.is_sandbox else "pb_live"


def _clean_scopes(scopes: Iterable[str] | None) -> list[str]:
    if scopes is None:
        return list(DEFAULT_SCOPES)
    cleaned = []
    for scope in scopes:
        value = getattr(scope, "value", scope)
        if value not in ALL_SCOPES:
            raise ValidationError("invalid_scope", f"Unknown scope {value!r}; use {', '.join(ALL_SCOPES)}.",
                                  field="scopes")
        if value not in cleaned:
            cleaned.append(value)
    if not cleaned:
        raise ValidationError("scopes_required", "A key needs at least one scope.", field="scopes")
    return sorted(cleaned, key=ALL_SCOPES.index)


def _clean_accounts(workspace: Workspace, accounts: Iterable[PinterestAccount] | None) -> list[PinterestAccount] | None:
    if accounts is None:
        return None
    accounts = list(accounts)
    if any(account.workspace_id != workspace.pk for account in accounts):
        raise ValidationError("account_not_found", "Every allowed account must belong to the key's workspace.",
                              field="pinterest_account_ids")
    return accounts


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError("name_required", "Give the key a name.", field="name")
    if len(name) > 255:
        raise ValidationError("name_too_long", "Key names are at most 255 characters.", field="name")
    return name


@transaction.atomic
def api_key_create(*, actor: Actor, name: str, scopes: Iterable[str] | None = None,
                   accounts: Iterable[PinterestAccount] | None = None, expires_at: datetime | None = None,
                   source: str = "manual") -> IssuedKey:
    """A new key for the actor's workspace. ``accounts=None`` lets it use every account of it."""
    authorize(actor, "api_key.create")
    workspace = actor.workspace
    allowed = _clean_accounts(workspace, accounts)
    credential = credential_new(_kind(workspace))
    key = ApiKey.objects.create(
        workspace=workspace,
        name=_clean_name(name),
        prefix=credential.prefix,
        secret_hash=credential.digest,
        scopes=_clean_scopes(scopes),
        restricts_accounts=allowed is not None,
        source=source,
        created_by=actor.user,
        expires_at=expires_at,
    )
    if allowed:
        key.allowed_accounts.set(allowed)
    audit_record(team=workspace.team, workspace=workspace, action="api_key.created", target=key,
                 details={"prefix": key.prefix, "scopes": key.scopes}, actor=actor)
    return IssuedKey(key=key, plaintext=credential.plaintext)


@transaction.atomic
def api_key_update(*, key: ApiKey, actor: Actor, name: str | Literal[Unset.UNSET] = UNSET,
                   scopes: Iterable[str] | None | Literal[Unset.UNSET] = UNSET,
                   accounts: Iterable[PinterestAccount] | None | Literal[Unset.UNSET] = UNSET) -> ApiKey:
    """Change what is passed; ``accounts=None`` lifts the allow-list, a list sets it."""
    authorize(actor, "api_key.update", workspace=key.workspace)
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    changes: dict[str, object] = {}
    if name is not UNSET:
        key.name = changes["name"] = _clean_name(name)
    if scopes is not UNSET:
        key.scopes = changes["scopes"] = _clean_scopes(scopes)
    if accounts is not UNSET:
        allowed = _clean_accounts(key.workspace, accounts)
        key.restricts_accounts = allowed is not None
        key.allowed_accounts.set(allowed or [])
        changes["pinterest_account_ids"] = [str(a.public_id) for a in allowed] if allowed is not None else None
    if not changes:
        raise ValidationError("nothing_to_update", "Provide at least one of name, scopes or pinterest_account_ids.")
    key.save(update_fields=["name", "scopes", "restricts_accounts"])
    audit_record(team=key.workspace.team, workspace=key.workspace, action="api_key.updated", target=key,
                 details={"prefix": key.prefix, **changes}, actor=actor)
    return key


@transaction.atomic
def api_key_revoke(*, key: ApiKey, actor: Actor) -> ApiKey:
    """Stop a key working at once. Revoking a revoked key changes nothing."""
    authorize(actor, "api_key.revoke", workspace=key.workspace)
    now = timezone.now()
    if ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=now):
        key.revoked_at = now
        audit_record(team=key.workspace.team, workspace=key.workspace, action="api_key.revoked", target=key,
                     details={"prefix": key.prefix}, actor=actor)
    else:
        key.refresh_from_db(fields=["revoked_at"])
    return key


@transaction.atomic
def api_key_rotate(*, key: ApiKey, actor: Actor, grace: timedelta) -> IssuedKey:
    """Issue a successor with the same name, scopes and accounts; the old key keeps working
    until ``now + grace`` (its ``expires_at``) so deployments can switch over without downtime."""
    if grace < timedelta(0):
        raise ValidationError("invalid_grace", "The grace period cannot be negative.", field="grace")
    authorize(actor, "api_key.rotate", workspace=key.workspace)
    key = ApiKey.objects.select_for_update().select_related("workspace__team").get(pk=key.pk)
    now = timezone.now()
    if key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= now):
        raise InvalidState("api_key_inactive", "A revoked or expired key cannot be rotated.")
    if key.replaced_by_id is not None:
        raise InvalidState("api_key_already_rotated", "This key was already rotated; rotate its successor.")
    allowed = list(key.allowed_accounts.all()) if key.restricts_accounts else None
    successor = api_key_create(actor=actor, name=key.name, scopes=key.scopes, accounts=allowed,
                               expires_at=None, source=key.source)
    grace_end = now + grace
    key.expires_at = min(key.expires_at, grace_end) if key.expires_at else grace_end
    key.replaced_by = successor.key
    key.save(update_fields=["expires_at", "replaced_by"])
    audit_record(team=key.workspace.team, workspace=key.workspace, action="api_key.rotated", target=key,
                 details={"prefix": key.prefix, "successor_prefix": successor.key.prefix,
                          "old_key_expires_at": key.expires_at.isoformat()},
                 actor=actor)
    return successor


# The key with its workspace and team, in one statement whose SQL is written once per process
# (publishing/models/joined_reads.py): this runs on every request that sends an API key.
_LIVE_KEY: JoinedRead[ApiKey] = JoinedRead(
    tables=[
        Joined(ApiKey, "k"),
        Joined(Workspace, "w", on="w.id = k.workspace_id", attach="workspace"),
        Joined(Team, "tm", on="tm.id = w.team_id", attach="w.team"),
    ],
    where="k.prefix = %s AND k.revoked_at IS NULL",
    order_limit="LIMIT 1",
)


def api_key_resolve(*, plaintext: str) -> CredentialCopy[ApiKey] | None:
    """The live key for a presented secret (read through the credential cache), or None: unknown,
    wrong secret, revoked or expired."""
    prefix = credential_prefix(plaintext, kind_parts=2)
    if prefix is None or not prefix.startswith(("pb_live_", "pb_test_")):
        return None
    now = timezone.now()
    copy = credential_read(f"api-key:{prefix}", lambda: _LIVE_KEY.first([prefix]))
    if copy is None or not credential_matches(plaintext, copy.record.secret_hash):
        return None
    key = copy.record
    if key.expires_at is not None and key.expires_at <= now:
        return None
    if touch_last_used(ApiKey, key, now):
        copy.store()
    return copy


def api_key_authenticate(*, plaintext: str) -> ApiKey | None:
    copy = api_key_resolve(plaintext=plaintext)
    return None if copy is None else copy.record
