"""A pin's submission before it exists: cleaning the submitted fields against ``PinContent``,
resolving the account, board and assets they name within the workspace, and the dry run
(``pin_validate``) that reports every check ``pin_create`` would make.

``pins`` and ``schedules`` both build a ``PinDraft`` here, so a pin and a schedule refuse the same
input with the same errors.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NotRequired, Protocol, TypedDict

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator

from publishing.access import Actor, authorize
from publishing.content import ContentProblem, PinContent, content_fingerprint
from publishing.models import Asset, Board, Pin, PinterestAccount, Workspace
from publishing.services.errors import PermissionDenied, ValidationError
from publishing.services.pacing import pacing_meter

ID_FIELDS = ("account_id", *PinContent.ASSET_FIELDS)
PINTEREST_ID = re.compile(r"^\d{1,64}$")
COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
REQUIRED_FIELDS = ("account_id", *PinContent.REQUIRED_FIELDS)
_url_validator = URLValidator(schemes=["http", "https"])

# Which check (of pin_validate's list) a problem with a field belongs to.
CHECK_OF_FIELD = {
    "account_id": "account",
    "board_id": "board_access",
    "image_url": "media",
    "asset_id": "media",
    "cover_image_url": "media",
    "cover_image_asset_id": "media",
}
CHECK_ORDER = ("fields", "account", "board_access", "media")


class SubmittedSchema(Protocol):
    """A pydantic schema from the API: what the services read of it."""

    def model_dump(self, *, exclude_unset: bool = ...) -> dict[str, Any]: ...


# A pin's fields as a caller submits them: a schema from the API, or a mapping (a form's
# cleaned_data, an import row, a schedule's content). Values are whatever was sent; cleaning checks them.
PinData = SubmittedSchema | Mapping[str, Any]

class ValidationCheck(TypedDict):
    name: str
    status: Literal["passed", "failed", "warning", "skipped"]
    message: str
    code: NotRequired[str | None]
    details: NotRequired[dict[str, list[str]]]


class ResolvedTargets(TypedDict):
    board_id: str | None
    idempotency_key: str | None
    account_id: str | None
    media_type: str
    run_at: NotRequired[str]  # schedule_validate's addition


class ValidationReport(TypedDict):
    """The SDK's PinValidationResponse."""

    valid: bool
    dry_run: bool
    checks: list[ValidationCheck]
    resolved: ResolvedTargets
    existing_pin_id: str | None
    headroom: dict[str, float]


@dataclass
class Problem:
    field: str
    code: str
    message: str

    @property
    def check(self) -> str:
        return CHECK_OF_FIELD.get(self.field, "fields")


@dataclass
class PinDraft:
    """A pin's cleaned values plus what they resolved to; ``problems`` lists what is wrong."""

    # Cleaned values by field name: text, ids as strings, None, and related_terms as a list.
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    account: PinterestAccount | None = None
    board: Board | None = None
    asset: Asset | None = None
    cover_asset: Asset | None = None

    def refuse(self, field_name: str, code: str, message: str) -> None:
        self.problems.append(Problem(field_name, code, message))

    def has_problem(self, field_name: str) -> bool:
        return any(problem.field == field_name for problem in self.problems)

    def raise_if_invalid(self) -> None:
        if not self.problems:
            return
        # An allow-list refusal is a permission problem (403), not bad input.
        for problem in self.problems:
            if problem.code == "account_not_permitted":
                raise PermissionDenied("account_not_permitted", problem.message, field=problem.field)
        first = self.problems[0]
        code = first.code if len({problem.code for problem in self.problems}) == 1 else "validation_error"
        message = first.message if len(self.problems) == 1 else "; ".join(
            f"{problem.field}: {problem.message}" for problem in self.problems)
        fields: dict[str, str] = {}
        for problem in self.problems:
            fields.setdefault(problem.field, problem.message)
        raise ValidationError(code, message, field=first.field, fields=fields)

    def fingerprint(self) -> str:
        """A hash of the payload as submitted: same key + another fingerprint = a conflict."""
        return content_fingerprint({name: value for name, value in self.values.items() if name != "idempotency_key"})


# --- cleaning ---------------------------------------------------------------------------------


def as_mapping(data: PinData) -> dict[str, Any]:
    if isinstance(data, Mapping):
        return dict(data)
    if hasattr(data, "model_dump"):  # a pydantic schema from the API
        return data.model_dump(exclude_unset=True)
    raise TypeError(f"pin data must be a mapping, not {type(data).__name__}")


def _clean_text(draft: PinDraft, data: Mapping[str, Any], name: str) -> None:
    try:
        draft.values[name] = PinContent.text_field(name).normalise(data.get(name))
    except ContentProblem as problem:
        draft.refuse(name, problem.code, problem.message)


def _clean_id(draft: PinDraft, data: Mapping[str, Any], name: str) -> None:
    value = data.get(name)
    if value in (None, ""):
        draft.values[name] = None
        return
    try:
        draft.values[name] = str(uuid.UUID(str(value)))
    except ValueError:
        draft.refuse(name, "invalid_id", "Must be an id (a UUID).")


def _clean_related_terms(draft: PinDraft, data: Mapping[str, Any]) -> None:
    try:
        draft.values["related_terms"] = PinContent.related_terms.normalise(data.get("related_terms"))
    except ContentProblem as problem:
        draft.refuse("related_terms", problem.code, problem.message)


def clean_fields(data: Mapping[str, Any], *, draft: PinDraft | None = None) -> PinDraft:
    """Types, lengths, syntax and the either-or rules; nothing that needs the database."""
    draft = draft or PinDraft()
    for name in (*PinContent.TEXT_FIELDS, "idempotency_key"):
        _clean_text(draft, data, name)
    for name in ID_FIELDS:
        _clean_id(draft, data, name)
    _clean_related_terms(draft, data)
    values = draft.values
    for name in REQUIRED_FIELDS:
        if not draft.has_problem(name) and not (values.get(name) or "").strip():
            draft.refuse(name, "required", "This field is required.")
    if values.get("board_id") and not PINTEREST_ID.fullmatch(values["board_id"]):
        draft.refuse("board_id", "invalid_board_id", "Must be a Pinterest board id (digits only).")
    for name in PinContent.URL_FIELDS:
        if values.get(name):
            try:
                _url_validator(values[name])
            except DjangoValidationError:
                draft.refuse(name, "invalid_url", "Must be a full http:// or https:// address.")
    if values.get("dominant_color") and not COLOR.fullmatch(values["dominant_color"]):
        draft.refuse("dominant_color", "invalid_color", "Must be a colour like #6E7874.")
    media_given = [name for name in ("image_url", "asset_id") if values.get(name)]
    if len(media_given) != 1 and not any(draft.has_problem(name) for name in ("image_url", "asset_id")):
        draft.refuse("image_url" if not media_given else "asset_id", "media_required" if not media_given else
                     "media_conflict", "Give exactly one of image_url or asset_id.")
    if values.get("cover_image_url") and values.get("cover_image_asset_id"):
        draft.refuse("cover_image_asset_id", "cover_conflict",
                     "Give at most one of cover_image_url or cover_image_asset_id.")
    return draft


# --- resolving ids against the database -------------------------------------------------------


def resolve_targets(draft: PinDraft, *, workspace: Workspace, actor: Actor | None) -> None:
    """Account, board and media: they exist in this workspace, are healthy and go together."""
    values = draft.values
    if values.get("account_id") and not draft.has_problem("account_id"):
        account = PinterestAccount.objects.filter(workspace=workspace, public_id=values["account_id"]).first()
        if account is None or account.revoked_at is not None:
            draft.refuse("account_id", "account_not_found", "No connected Pinterest account with this id here.")
        elif actor is not None and not actor.may_use(account):
            draft.refuse("account_id", "account_not_permitted", "This API key may not publish to this account.")
        elif account.reconnect_required:
            draft.refuse("account_id", "account_reconnect_required",
                         "This Pinterest account must be reconnected before it can publish.")
        else:
            draft.account = account
    if draft.account and values.get("board_id") and not draft.has_problem("board_id"):
        draft.board = Board.objects.for_account(draft.account).filter(pinterest_board_id=values["board_id"]).first()
        if draft.board is None:
            draft.refuse("board_id", "board_not_found",
                         "This board is not one of the account's boards (refresh the boards if it is new).")
    draft.asset = _resolve_asset(draft, workspace, "asset_id")
    draft.cover_asset = _resolve_asset(draft, workspace, "cover_image_asset_id")
    if draft.cover_asset and draft.cover_asset.asset_type != Asset.Kind.IMAGE:
        draft.refuse("cover_image_asset_id", "cover_not_image", "A cover must be an image.")
        draft.cover_asset = None


def _resolve_asset(draft: PinDraft, workspace: Workspace, name: str) -> Asset | None:
    asset_id = draft.values.get(name)
    if not asset_id or draft.has_problem(name):
        return None
    asset = Asset.objects.for_workspace(workspace).filter(public_id=asset_id).first()
    if asset is None:
        draft.refuse(name, "asset_not_found", "No asset with this id in this workspace.")
    return asset


def pin_draft(*, actor: Actor, data: PinData) -> PinDraft:
    """Every check of a pin payload, collected (not raised): what create, update and validate share."""
    draft = clean_fields(as_mapping(data))
    resolve_targets(draft, workspace=actor.workspace, actor=actor)
    return draft


# --- validate (dry run) -----------------------------------------------------------------------


def pin_validate(*, actor: Actor, data: PinData) -> ValidationReport:
    """Every check pin_create makes, reported instead of raised (the SDK's PinValidationResponse)."""
    authorize(actor, "pin.validate")
    workspace = actor.workspace
    draft = pin_draft(actor=actor, data=data)
    checks: list[ValidationCheck] = []
    for name in CHECK_ORDER:
        problems = [problem for problem in draft.problems if problem.check == name]
        if problems:
            checks.append({"name": name, "status": "failed", "code": problems[0].code,
                           "message": "; ".join(f"{problem.field}: {problem.message}" for problem in problems),
                           "details": {"fields": [problem.field for problem in problems]}})
        else:
            checks.append({"name": name, "status": "passed", "message": "OK"})
    key = draft.values.get("idempotency_key") or None
    existing = None
    if key and not draft.has_problem("idempotency_key"):
        existing = Pin.objects.filter(workspace=workspace, idempotency_key=key).first()
        if existing is None:
            checks.append({"name": "idempotency", "status": "passed", "message": "The key is unused."})
        elif existing.payload_fingerprint == draft.fingerprint():
            checks.append({"name": "idempotency", "status": "warning", "code": "idempotent_replay",
                           "message": "A pin with this key and payload exists; creating returns it."})
        else:
            checks.append({"name": "idempotency", "status": "failed", "code": "idempotency_conflict",
                           "message": "This key was already used for a different pin."})
    headroom: dict[str, float] = {}
    if draft.account is not None:
        meter = pacing_meter(account=draft.account)
        headroom = {"account_tokens_available": meter["account"]["tokens_available"],
                    "global_tokens_available": meter["global"]["tokens_available"]}
        ready = min(headroom.values()) >= 1
        checks.append({"name": "rate_headroom", "status": "passed" if ready else "warning",
                       "code": None if ready else "rate_limited",
                       "message": "Publishing can start now." if ready else
                       "The pin would wait (deferred) until the publishing pace allows it."})
    else:
        checks.append({"name": "rate_headroom", "status": "skipped", "message": "No account to measure."})
    valid = not any(check["status"] == "failed" for check in checks)
    return {
        "valid": valid,
        "dry_run": True,
        "checks": checks,
        "resolved": {"board_id": draft.values.get("board_id"), "idempotency_key": key,
                     "account_id": str(draft.account.public_id) if draft.account else None,
                     "media_type": draft.asset.asset_type if draft.asset else "image"},
        "existing_pin_id": str(existing.public_id) if existing else None,
        "headroom": headroom,
    }
