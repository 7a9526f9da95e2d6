"""Rows as Pinterest's v5 JSON (the OpenAPI schemas Account, Board, BoardSection, Pin, Media)."""

from datetime import datetime

from pinterest_sandbox.models import Board, BoardSection, MediaUpload, Pin, SandboxUser


def timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC, as the spec's ``date-time`` requires. (Real responses have been seen
    without the ``Z``; clients should accept both.)"""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def account_json(user: SandboxUser, *, board_count: int, pin_count: int) -> dict:
    return {
        "account_type": user.account_type,
        "id": user.pinterest_id,
        "username": user.username,
        "profile_image": f"https://i.pinimg.com/75x75_RS/{user.pinterest_id[-2:]}/{user.pinterest_id}.jpg",
        "website_url": user.website_url,
        "about": user.about,
        "business_name": user.business_name or None,
        "board_count": board_count,
        "pin_count": pin_count,
        "follower_count": user.follower_count,
        "following_count": user.following_count,
        "monthly_views": user.monthly_views,
    }


def board_json(board: Board) -> dict:
    return {
        "id": board.pinterest_id,
        "name": board.name,
        "description": board.description,
        "privacy": board.privacy,
        "is_ads_only": board.is_ads_only,
        "owner": {"username": board.owner.username},
        "created_at": timestamp(board.created_at),
        "board_pins_modified_at": timestamp(board.board_pins_modified_at),
        "collaborator_count": 0,
        "follower_count": board.follower_count,
        "pin_count": board.pin_count,
        "media": {"image_cover_url": board.cover_image_url, "pin_thumbnail_urls": board.pin_thumbnail_urls},
    }


def section_json(section: BoardSection) -> dict:
    return {"id": section.pinterest_id, "name": section.name}


def pin_json(pin: Pin, *, with_metrics: bool = False) -> dict:
    board = pin.board
    return {
        "id": pin.pinterest_id,
        "created_at": timestamp(pin.created_at),
        "link": pin.link,
        "title": pin.title,
        "description": pin.description,
        "dominant_color": pin.dominant_color,
        "alt_text": pin.alt_text,
        "creative_type": pin.creative_type,
        "board_id": board.pinterest_id,
        "board_section_id": pin.section.pinterest_id if pin.section_id else None,
        "board_owner": {"username": board.owner.username},
        "is_owner": True,
        "is_standard": pin.is_standard,
        "has_been_promoted": False,
        "parent_pin_id": pin.parent_pin_id,
        "media": pin.media,
        # Sandbox pins are never seen by anyone, so every counter is zero.
        "pin_metrics": {
            "lifetime_metrics": {
                "impression": 0,
                "pin_click": 0,
                "clickthrough": 0,
                "reaction": 0,
                "comment": 0,
            }
        }
        if with_metrics
        else None,
    }


def media_json(media: MediaUpload) -> dict:
    return {"media_id": media.pinterest_id, "media_type": media.media_type, "status": media.status}


def media_upload_json(media: MediaUpload, *, upload_url: str) -> dict:
    return {
        "media_id": media.pinterest_id,
        "media_type": media.media_type,
        "upload_url": upload_url,
        "upload_parameters": media.upload_parameters,
    }
