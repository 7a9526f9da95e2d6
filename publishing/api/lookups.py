"""How /v1 treats a Pinterest account named in a request: an API key limited to some accounts may not
name another one (403). Fetching one object by id is ``publishing.lookups``, shared with the dashboard.
"""

from typing import Any, TypeVar
from uuid import UUID

from django.db.models import QuerySet

from publishing.access import Actor, authorize
from publishing.models import PinterestAccount

Rows = TypeVar("Rows", bound=QuerySet[Any])


def within_named_account(who: Actor, queryset: Rows, account_id: UUID | None) -> Rows:
    """A list's ``account_id`` filter: nothing for an unknown account, 403 outside a key's allow-list."""
    queryset = who.filter_accounts(queryset, "account")
    if account_id is None:
        return queryset
    account = PinterestAccount.objects.filter(workspace=who.workspace, public_id=account_id).first()
    if account is None:
        return queryset.none()
    authorize(who, "workspace.read", account=account)
    return queryset.filter(account=account)


def check_named_account(who: Actor, account_id: UUID | None) -> None:
    """An allow-listed key may not even name another account in a payload (403, not a 422)."""
    if account_id is None or not who.restricted_to_accounts:
        return
    account = PinterestAccount.objects.for_workspace(who.workspace).filter(public_id=account_id).first()
    if account is not None:
        authorize(who, "workspace.read", account=account)
