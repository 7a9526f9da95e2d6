"""Boards and their sections."""

from django.db.models.functions import Lower

from pinterest_sandbox import conf
from pinterest_sandbox.clock import sandbox_now
from pinterest_sandbox.errors import SandboxError
from pinterest_sandbox.models import Board, BoardSection, SandboxUser

INVALID_OR_DUPLICATED = "The board name is invalid or duplicated."
INVALID_BOARD_PARAMETERS = "Invalid board parameters."


def _name_taken(owner: SandboxUser, name: str, *, except_board: Board | None = None) -> bool:
    boards = (
        Board.objects.filter(owner=owner).annotate(lower_name=Lower("name")).filter(lower_name=name.lower())
    )
    if except_board is not None:
        boards = boards.exclude(pk=except_board.pk)
    return boards.exists()


def _clean_name(name: str) -> str | None:
    name = name.strip()
    return name if 0 < len(name) <= conf.BOARD_NAME_MAX else None


def board_create(
    *,
    owner: SandboxUser,
    name: str,
    description: str | None = None,
    privacy: str = "PUBLIC",
    is_ads_only: bool = False,
) -> Board:
    """Duplicate (case-insensitive) and invalid names are Pinterest's 400 code 400."""
    if is_ads_only:
        # The spec: an ads-only board is named "Ad-only Pins" and is PROTECTED, whatever was asked.
        name, privacy = "Ad-only Pins", Board.Privacy.PROTECTED
    clean = _clean_name(name)
    if clean is None or _name_taken(owner, clean):
        raise SandboxError(400, 400, INVALID_OR_DUPLICATED)
    if description is not None and len(description) > conf.BOARD_DESCRIPTION_MAX:
        raise SandboxError(400, 400, INVALID_BOARD_PARAMETERS)
    now = sandbox_now()
    return Board.objects.create(
        owner=owner,
        name=clean,
        description=description,
        privacy=privacy,
        is_ads_only=is_ads_only,
        created_at=now,
        board_pins_modified_at=now,
    )


def board_update(*, board: Board, changes: dict) -> Board:
    """Apply the PATCH fields that were sent (name, description, privacy)."""
    if "name" in changes:
        clean = _clean_name(changes["name"] or "")
        if clean is None or _name_taken(board.owner, clean, except_board=board):
            raise SandboxError(400, 400, INVALID_BOARD_PARAMETERS)
        board.name = clean
    if "description" in changes:
        if changes["description"] is not None and len(changes["description"]) > conf.BOARD_DESCRIPTION_MAX:
            raise SandboxError(400, 400, INVALID_BOARD_PARAMETERS)
        board.description = changes["description"]
    if "privacy" in changes:
        board.privacy = changes["privacy"]
    board.save(update_fields=["name", "description", "privacy"])
    return board


def board_delete(*, board: Board) -> None:
    """Deletes its sections and pins with it, as Pinterest does."""
    board.delete()


def board_media_refresh(*, board: Board) -> None:
    """Recompute the board's pin count, cover and thumbnails after its pins changed."""
    recent = list(board.pins.order_by("-id")[:5])
    thumbnails = [url for pin in recent if (url := pin_thumbnail_url(pin.media))]
    board.pin_count = board.pins.count()
    board.pin_thumbnail_urls = thumbnails
    board.cover_image_url = thumbnails[0] if thumbnails else None
    board.board_pins_modified_at = sandbox_now()
    board.save(update_fields=["pin_count", "pin_thumbnail_urls", "cover_image_url", "board_pins_modified_at"])


def pin_thumbnail_url(media: dict) -> str | None:
    images = media.get("images") or (media.get("items") or [{}])[0].get("images") or {}
    return (images.get("600x") or {}).get("url")


def board_section_create(*, board: Board, name: str) -> BoardSection:
    return BoardSection.objects.create(board=board, name=name, created_at=sandbox_now())
