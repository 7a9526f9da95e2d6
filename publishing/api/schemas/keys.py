"""API keys as the SDK sees them: the plaintext appears once, in the create response."""

from datetime import datetime
from typing import Any, Literal, Self
from uuid import UUID

from ninja import Schema
from pydantic import Field, model_validator

from publishing.api.schemas.common import InSchema
from publishing.models import ApiKey

ScopeIn = Literal["read", "write", "destructive", "approve"]
# The scopes the SDK's APIKeyScope enum knows: a response listing another one would not parse there,
# so Pinboard's own scopes (approve) are reported apart, in extension_scopes.
SDK_SCOPES = ("read", "write", "destructive")


class ApiKeyCreateIn(InSchema):
    name: str = Field(..., min_length=1, max_length=255)
    scopes: list[ScopeIn] | None = Field(None, max_length=4)
    pinterest_account_ids: list[UUID] | None = Field(None, max_length=500)


class ApiKeyUpdateIn(InSchema):
    name: str | None = Field(None, min_length=1, max_length=255)
    scopes: list[ScopeIn] | None = Field(None, max_length=4)
    pinterest_account_ids: list[UUID] | None = Field(None, max_length=500)

    @model_validator(mode="after")
    def _one_change(self) -> Self:
        if not self.model_fields_set & {"name", "scopes", "pinterest_account_ids"}:
            raise ValueError("Provide at least one of name, scopes or pinterest_account_ids")
        return self


class ApiKeyOut(Schema):
    id: UUID
    workspace_id: UUID
    name: str
    prefix: str
    scopes: list[str]
    extension_scopes: list[str] = []  # Pinboard extension: scopes beyond the SDK's (approve)
    pinterest_account_ids: list[UUID] | None = None
    source: str
    client_name: str | None = None
    authorized_by_email: str | None = None
    last_used_at: datetime | None = None
    expires_at: datetime | None = None
    created_at: datetime
    revoked_at: datetime | None = None


class ApiKeyCreateOut(ApiKeyOut):
    api_key: str


def api_key_out(key: ApiKey) -> dict[str, Any]:
    accounts = [account.public_id for account in key.allowed_accounts.all()] if key.restricts_accounts else None
    return {
        "id": key.public_id, "workspace_id": key.workspace.public_id, "name": key.name, "prefix": key.prefix,
        "scopes": [scope for scope in key.scopes if scope in SDK_SCOPES],
        "extension_scopes": [scope for scope in key.scopes if scope not in SDK_SCOPES],
        "pinterest_account_ids": accounts, "source": key.source,
        "authorized_by_email": key.created_by.email if key.created_by else None,
        "last_used_at": key.last_used_at, "expires_at": key.expires_at, "created_at": key.created_at,
        "revoked_at": key.revoked_at,
    }
