"""/v1/api-keys: the workspace's keys. Admins only, and only with a login (a key cannot mint keys)."""

from uuid import UUID

from ninja import Router, Status

from publishing.access import Actor
from publishing.api.schemas.common import responses
from publishing.api.schemas.keys import (
    ApiKeyCreateIn,
    ApiKeyCreateOut,
    ApiKeyOut,
    ApiKeyUpdateIn,
    api_key_out,
)
from publishing.api.security import actor_of
from publishing.lookups import api_key_for_workspace_or_404
from publishing.models import ApiKey, PinterestAccount
from publishing.services import keys as key_services
from publishing.services.errors import ValidationError

router = Router(tags=["api-keys"])


def _accounts(who: Actor, ids: list[UUID] | None) -> list[PinterestAccount] | None:
    if ids is None:
        return None
    accounts = list(PinterestAccount.objects.for_workspace(who.workspace).filter(public_id__in=ids))
    missing = set(ids) - {account.public_id for account in accounts}
    if missing:
        raise ValidationError("account_not_found", f"Unknown Pinterest account(s) in this workspace: "
                              f"{', '.join(sorted(map(str, missing)))}.", field="pinterest_account_ids")
    return accounts


@router.post("", response=responses({201: ApiKeyCreateOut}, 403))
def create_api_key(request, data: ApiKeyCreateIn):
    who = actor_of(request)
    issued = key_services.api_key_create(name=data.name, scopes=data.scopes,
                                         accounts=_accounts(who, data.pinterest_account_ids), actor=who)
    return Status(201, {**api_key_out(issued.key), "api_key": issued.plaintext})


@router.get("", response=responses({200: list[ApiKeyOut]}, 403))
def list_api_keys(request):
    who = actor_of(request, "api_key.list")
    keys = ApiKey.objects.for_workspace(who.workspace).select_related("workspace", "created_by")
    return [api_key_out(key) for key in keys]


@router.patch("/{key_id}", response=responses({200: ApiKeyOut}, 403, 404))
def update_api_key(request, key_id: UUID, data: ApiKeyUpdateIn):
    who = actor_of(request)
    key = api_key_for_workspace_or_404(who, key_id)
    changes = {}
    if data.name is not None:
        changes["name"] = data.name
    if data.scopes is not None:
        changes["scopes"] = data.scopes
    if "pinterest_account_ids" in data.model_fields_set:
        changes["accounts"] = _accounts(who, data.pinterest_account_ids)
    key = key_services.api_key_update(key=key, **changes, actor=who)
    return api_key_out(api_key_for_workspace_or_404(who, key_id))


@router.delete("/{key_id}", response=responses({204: None}, 403, 404))
def revoke_api_key(request, key_id: UUID):
    who = actor_of(request)
    key_services.api_key_revoke(key=api_key_for_workspace_or_404(who, key_id), actor=who)
    return Status(204, None)
