"""/v1/pinterest: connecting Pinterest accounts (OAuth), their health, and their boards."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from ninja import Schema
from pydantic import Field

from publishing.api.schemas.common import InSchema
from publishing.models import Board, PinterestAccount


class OAuthStartOut(Schema):
    authorization_url: str


class OAuthCallbackOut(Schema):
    status: str
    message: str
    account_id: str | None = None


class PinterestAccountOut(Schema):
    id: UUID
    workspace_id: UUID
    pinterest_user_id: str
    display_name: str | None = None
    username: str | None = None
    scopes: str
    created_at: datetime
    updated_at: datetime
    revoked_at: datetime | None = None
    token_expires_at: datetime | None = None
    health_status: str | None = None
    health_message: str | None = None
    health_checked_at: datetime | None = None
    reconnect_required: bool = False
    missing_scopes: list[str] = []
    boards_synced_at: datetime | None = None


class BoardOut(Schema):
    id: str
    name: str
    description: str | None = None
    privacy: str | None = None


class BoardAccessOut(Schema):
    account_id: UUID
    board_id: str
    publishable: bool
    status: str
    code: str | None = None
    message: str
    remediation: str | None = None
    checked_at: datetime
    source: str
    board: dict[str, Any] | None = None
    account_health: dict[str, Any] | None = None
    retry_after_seconds: int | None = None


Privacy = Literal["PUBLIC", "SECRET", "public", "secret"]


class BoardCreateIn(InSchema):
    account_id: UUID
    name: str = Field(..., min_length=1, max_length=180)
    description: str | None = Field(None, max_length=500)
    privacy: Privacy | None = None


class BoardUpdateIn(InSchema):
    account_id: UUID
    name: str | None = Field(None, min_length=1, max_length=180)
    description: str | None = Field(None, max_length=500)
    privacy: Privacy | None = None


# Pinterest's scopes a publishing account needs; reported as missing_scopes when absent.
REQUIRED_SCOPES = ("boards:read", "boards:write", "pins:read", "pins:write", "user_accounts:read")


def account_out(account: PinterestAccount) -> dict[str, Any]:
    granted = set(filter(None, account.scopes.split(",")))
    return {
        "id": account.public_id, "workspace_id": account.workspace.public_id,
        "pinterest_user_id": account.pinterest_user_id, "display_name": account.display_name or None,
        "username": account.username or None, "scopes": account.scopes, "created_at": account.created_at,
        "updated_at": account.updated_at, "revoked_at": account.revoked_at,
        "token_expires_at": account.token_expires_at, "health_status": account.health_status,
        "health_message": account.health_message or None, "health_checked_at": account.health_checked_at,
        "reconnect_required": account.reconnect_required,
        "missing_scopes": [scope for scope in REQUIRED_SCOPES if scope not in granted],
        "boards_synced_at": account.boards_synced_at,
    }


def board_out(board: Board) -> dict[str, Any]:
    return {"id": board.pinterest_board_id, "name": board.name, "description": board.description or None,
            "privacy": board.privacy}
