"""The Pinterest v5 endpoints (paths, verbs and bodies as in the official OpenAPI document).
Each handler: look up what the path names (visible to this token, or 403/404), validate,
call a service, answer."""

import base64
from datetime import timedelta

from django.db.models import QuerySet
from django.http import HttpResponse, JsonResponse
from django.urls import reverse

from pinterest_sandbox import errors, schemas
from pinterest_sandbox.endpoint import (
    ANALYTICS_PINS_READ,
    BOARD_PINS_READ,
    BOARDS_READ,
    BOARDS_WRITE,
    MEDIA_READ,
    MEDIA_WRITE,
    PINS_WRITE,
    TOP_PINS_READ,
    USER_ACCOUNTS_READ,
    ApiCall,
    dispatch,
    operation,
    path_id,
)
from pinterest_sandbox.models import Board, BoardSection, MediaUpload, Pin
from pinterest_sandbox.ratelimit import ORG_ANALYTICS
from pinterest_sandbox.serializers import (
    account_json,
    board_json,
    media_json,
    media_upload_json,
    pin_json,
    section_json,
)
from pinterest_sandbox.services import analytics as analytics_services
from pinterest_sandbox.services import boards as board_services
from pinterest_sandbox.services import media as media_services
from pinterest_sandbox.services import pins as pin_services

PAGE_SIZE_DEFAULT = 25
PAGE_SIZE_MAX = 250


# --- Paging -----------------------------------------------------------------------------------


def _page_size(call: ApiCall) -> int:
    raw = call.request.GET.get("page_size")
    if raw is None:
        return PAGE_SIZE_DEFAULT
    if not raw.isdigit() or not 1 <= int(raw) <= PAGE_SIZE_MAX:
        raise errors.invalid(f"Invalid request: page_size: must be an integer from 1 to {PAGE_SIZE_MAX}")
    return int(raw)


def _bookmark_after(call: ApiCall) -> int | None:
    raw = call.request.GET.get("bookmark")
    if not raw:
        return None
    try:
        kind, _, row = base64.urlsafe_b64decode(raw.encode()).decode().partition(":")
        if kind != "after" or not row.isdigit():
            raise ValueError
        return int(row)
    except (ValueError, UnicodeDecodeError):
        raise errors.invalid("Invalid request: bookmark: not a bookmark this endpoint handed out") from None


def _page(call: ApiCall, rows: QuerySet, render, *, newest_first: bool = False) -> JsonResponse:
    """Keyset paging on the internal id: a bookmark continues exactly where the last page ended,
    to the very end, however many rows there are (no 250-board cap)."""
    size = _page_size(call)
    after = _bookmark_after(call)
    if newest_first:
        rows = rows.order_by("-id") if after is None else rows.filter(id__lt=after).order_by("-id")
    else:
        rows = rows.order_by("id") if after is None else rows.filter(id__gt=after).order_by("id")
    items = list(rows[: size + 1])
    bookmark = None
    if len(items) > size:
        items = items[:size]
        bookmark = base64.urlsafe_b64encode(f"after:{items[-1].id}".encode()).decode()
    return JsonResponse({"items": [render(item) for item in items], "bookmark": bookmark})


# --- Lookups ----------------------------------------------------------------------------------


def _visible_boards(call: ApiCall) -> QuerySet:
    """Secret boards need ``boards:read_secret`` (the scope's description in the spec)."""
    boards = Board.objects.select_related("owner")
    return boards if call.has_scope("boards:read_secret") else boards.exclude(privacy=Board.Privacy.SECRET)


def _board(call: ApiCall, board_id: str) -> Board:
    board = _visible_boards(call).filter(pinterest_id=path_id(board_id, "board_id")).first()
    if board is None:
        raise errors.board_not_found()
    if board.owner_id != call.user.pk:
        raise errors.not_permitted()
    return board


def _pin(call: ApiCall, pin_id: str) -> Pin:
    pin = (
        Pin.objects.select_related("board__owner", "section")
        .filter(pinterest_id=path_id(pin_id, "pin_id"))
        .first()
    )
    if pin is None or (pin.board.privacy == Board.Privacy.SECRET and not call.has_scope("pins:read_secret")):
        raise errors.pin_not_found()
    if pin.board.owner_id != call.user.pk:
        raise errors.not_permitted()
    return pin


def _media(call: ApiCall, media_id: str) -> MediaUpload:
    media = MediaUpload.objects.filter(pinterest_id=path_id(media_id, "media_id")).first()
    if media is None:
        raise errors.media_not_found()
    if media.owner_id != call.user.pk:
        raise errors.not_permitted()
    return media


def _require_secret_scope(call: ApiCall, privacy: str | None, scope: str) -> None:
    if privacy == Board.Privacy.SECRET and not call.has_scope(scope):
        raise errors.missing_scope()


# --- user_account -----------------------------------------------------------------------------


@operation("user_account.get", USER_ACCOUNTS_READ)
def user_account_get(call: ApiCall) -> JsonResponse:
    user = call.user
    return JsonResponse(
        account_json(
            user, board_count=user.boards.count(), pin_count=Pin.objects.filter(board__owner=user).count()
        )
    )


# --- boards -----------------------------------------------------------------------------------

PRIVACY_FILTERS = {
    "ALL": None,
    "PUBLIC": ["PUBLIC"],
    "PROTECTED": ["PROTECTED"],
    "SECRET": ["SECRET"],
    "PUBLIC_AND_SECRET": ["PUBLIC", "SECRET"],
}


@operation("boards.list", BOARDS_READ)
def boards_list(call: ApiCall) -> JsonResponse:
    privacy = call.request.GET.get("privacy", "ALL")
    if privacy not in PRIVACY_FILTERS:
        raise errors.invalid(
            f"Invalid request: privacy: '{privacy}' is not one of {', '.join(PRIVACY_FILTERS)}"
        )
    boards = _visible_boards(call).filter(owner=call.user)
    if PRIVACY_FILTERS[privacy]:
        boards = boards.filter(privacy__in=PRIVACY_FILTERS[privacy])
    return _page(call, boards, board_json)


@operation("boards.create", BOARDS_WRITE)
def boards_create(call: ApiCall) -> JsonResponse:
    body = schemas.parse_body(schemas.BoardCreate, call.json_body())
    _require_secret_scope(call, body.privacy, "boards:write_secret")
    board = board_services.board_create(
        owner=call.user,
        name=body.name,
        description=body.description,
        privacy=body.privacy,
        is_ads_only=body.is_ads_only,
    )
    return JsonResponse(board_json(board), status=201)


@operation("boards.get", BOARDS_READ)
def boards_get(call: ApiCall, board_id: str) -> JsonResponse:
    return JsonResponse(board_json(_board(call, board_id)))


@operation("boards.update", BOARDS_WRITE)
def boards_update(call: ApiCall, board_id: str) -> JsonResponse:
    board = _board(call, board_id)
    body = schemas.parse_body(schemas.BoardUpdate, call.json_body())
    changes = body.model_dump(exclude_unset=True)
    if changes.get("privacy") is None:
        changes.pop("privacy", None)
    _require_secret_scope(call, changes.get("privacy"), "boards:write_secret")
    if board.privacy == Board.Privacy.SECRET:
        _require_secret_scope(call, board.privacy, "boards:write_secret")
    return JsonResponse(board_json(board_services.board_update(board=board, changes=changes)))


@operation("boards.delete", BOARDS_WRITE)
def boards_delete(call: ApiCall, board_id: str) -> HttpResponse:
    board = _board(call, board_id)
    _require_secret_scope(call, board.privacy, "boards:write_secret")
    board_services.board_delete(board=board)
    return HttpResponse(status=204)


@operation("board_sections.list", BOARDS_READ)
def board_sections_list(call: ApiCall, board_id: str) -> JsonResponse:
    board = _board(call, board_id)
    return _page(call, BoardSection.objects.filter(board=board), section_json)


@operation("boards.list_pins", BOARD_PINS_READ)
def boards_list_pins(call: ApiCall, board_id: str) -> JsonResponse:
    board = _board(call, board_id)
    pins = Pin.objects.filter(board=board).select_related("board__owner", "section")
    creative_types = call.request.GET.getlist("creative_types")
    if creative_types:
        pins = pins.filter(creative_type__in=[t for raw in creative_types for t in raw.split(",")])
    metrics = call.request.GET.get("pin_metrics") == "true"
    return _page(call, pins, lambda pin: pin_json(pin, with_metrics=metrics), newest_first=True)


# --- pins -------------------------------------------------------------------------------------


@operation("pins.create", PINS_WRITE)
def pins_create(call: ApiCall) -> JsonResponse:
    body = schemas.parse_body(schemas.PinCreate, call.json_body())
    board = _board(call, body.board_id)
    _require_secret_scope(call, board.privacy, "pins:write_secret")
    section = None
    if body.board_section_id:
        section = BoardSection.objects.filter(board=board, pinterest_id=body.board_section_id).first()
        if section is None:
            raise errors.section_not_found()
    media_upload = None
    if isinstance(body.media_source, schemas.VideoSource):
        media_upload = _media(call, body.media_source.media_id)
        if media_upload.status != MediaUpload.Status.SUCCEEDED:
            raise errors.invalid(
                f"Invalid request body: media_source.media_id: media {media_upload.pinterest_id} is "
                f"{media_upload.status}; a video Pin needs an upload that succeeded"
            )
    pin = pin_services.pin_create(board=board, section=section, body=body, media_upload=media_upload)
    return JsonResponse(pin_json(pin), status=201)


@operation("pins.get", BOARD_PINS_READ)
def pins_get(call: ApiCall, pin_id: str) -> JsonResponse:
    return JsonResponse(
        pin_json(_pin(call, pin_id), with_metrics=call.request.GET.get("pin_metrics") == "true")
    )


@operation("pins.delete", PINS_WRITE)
def pins_delete(call: ApiCall, pin_id: str) -> HttpResponse:
    pin = _pin(call, pin_id)
    _require_secret_scope(call, pin.board.privacy, "pins:write_secret")
    pin_services.pin_delete(pin=pin)
    return HttpResponse(status=204)


# --- analytics (rate-limit category org_analytics) ---------------------------------------------


def _analytics_query(call: ApiCall, metric_types: tuple[str, ...], *, metrics_required: bool, splits: bool = True):
    query = call.request.GET
    dates = analytics_services.date_range_parse(query.get("start_date"), query.get("end_date"), today=call.now.date())
    metrics = analytics_services.metric_types_parse(query.getlist("metric_types"), metric_types,
                                                    required=metrics_required)
    analytics_services.choice_parse(query.get("app_types"), "app_types", analytics_services.APP_TYPES)
    if splits:  # figures are never split in the sandbox: only the default, NO_SPLIT, is served
        analytics_services.choice_parse(query.get("split_field"), "split_field", ("NO_SPLIT",))
    return dates, metrics


@operation("pins.analytics", ANALYTICS_PINS_READ, rate_category=ORG_ANALYTICS)
def pins_analytics(call: ApiCall, pin_id: str) -> JsonResponse:
    pin = _pin(call, pin_id)
    dates, metrics = _analytics_query(call, analytics_services.PIN_METRIC_TYPES, metrics_required=True)
    return JsonResponse(analytics_services.pin_analytics(pin, dates, metrics, now=call.now))


@operation("user_account.analytics", USER_ACCOUNTS_READ, rate_category=ORG_ANALYTICS)
def user_account_analytics(call: ApiCall) -> JsonResponse:
    dates, metrics = _analytics_query(call, analytics_services.ACCOUNT_METRIC_TYPES, metrics_required=False)
    pins = Pin.objects.filter(board__owner=call.user).only("pinterest_id", "created_at", "creative_type")
    return JsonResponse(analytics_services.account_analytics(pins, dates, metrics, now=call.now))


@operation("user_account.top_pins", TOP_PINS_READ, rate_category=ORG_ANALYTICS)
def user_account_top_pins(call: ApiCall) -> JsonResponse:
    dates, metrics = _analytics_query(call, analytics_services.ACCOUNT_METRIC_TYPES, metrics_required=False,
                                      splits=False)
    query = call.request.GET
    sort_by = query.get("sort_by")
    if not sort_by:
        raise errors.invalid("Invalid request: sort_by: required")
    sort_by = analytics_services.choice_parse(sort_by, "sort_by", analytics_services.TOP_PINS_SORT)
    raw_limit, most = query.get("num_of_pins", "10"), analytics_services.TOP_PINS_MAX
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= most:
        raise errors.invalid(f"Invalid request: num_of_pins: must be an integer from 1 to {most}")
    pins = Pin.objects.filter(board__owner=call.user).only("pinterest_id", "created_at", "creative_type")
    recent = query.get("created_in_last_n_days")
    if recent is not None:
        if recent != "30":
            raise errors.invalid("Invalid request: created_in_last_n_days: must be 30")
        pins = pins.filter(created_at__gte=call.now - timedelta(days=30))
    return JsonResponse(analytics_services.top_pins(pins, dates, metrics, sort_by=sort_by, limit=int(raw_limit),
                                                    now=call.now))


# --- media ------------------------------------------------------------------------------------


@operation("media.create", MEDIA_WRITE)
def media_create(call: ApiCall) -> JsonResponse:
    schemas.parse_body(schemas.MediaCreate, call.json_body())
    media = media_services.media_register(owner=call.user, forced_outcome=call.plan.media_outcome)
    upload_url = call.request.build_absolute_uri(reverse("pinterest_sandbox:media_upload"))
    return JsonResponse(media_upload_json(media, upload_url=upload_url), status=201)


@operation("media.get", MEDIA_READ)
def media_get(call: ApiCall, media_id: str) -> JsonResponse:
    media = _media(call, media_id)
    return JsonResponse(media_json(media_services.media_poll(media=media)))


user_account = dispatch(GET=user_account_get)
boards = dispatch(GET=boards_list, POST=boards_create)
board = dispatch(GET=boards_get, PATCH=boards_update, DELETE=boards_delete)
board_sections = dispatch(GET=board_sections_list)
board_pins = dispatch(GET=boards_list_pins)
pins = dispatch(POST=pins_create)
pin = dispatch(GET=pins_get, DELETE=pins_delete)
pin_analytics = dispatch(GET=pins_analytics)
user_account_analytics_view = dispatch(GET=user_account_analytics)
user_account_top_pins_view = dispatch(GET=user_account_top_pins)
media = dispatch(POST=media_create)
media_item = dispatch(GET=media_get)
