"""The typed Pinterest v5 client: user account, boards, sections, pins, media and analytics.

    with PinterestClient.for_environment("sandbox", access_token) as pinterest:
        boards = pinterest.boards_list()
        pin = pinterest.pin_create(board_id=boards[0].id, media_source=ImageUrlSource(url=...))

Every method either returns a typed model or raises a ``publishing.pinterest.errors``
``PinterestError``. Nothing is retried here: Pinterest has no idempotency key, so a create that
times out raises ``OutcomeUnknown`` and the caller reconciles with ``board_pin_find`` before
creating again.

Reconciling unknown outcomes: Pinterest 5.23's ``PinCreate`` has no free-form field we could
stamp with our own id, so the marker is the exact content we sent — board, section, title,
description, link and alt text (``PinFingerprint``) — on a pin created no earlier than the attempt
started. The caller passes the ids of pins already attributed to other attempts so two identical
pins are never both claimed by one attempt.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Self, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from publishing.pinterest import errors
from publishing.pinterest.config import pinterest_endpoints
from publishing.pinterest.models import (
    AnalyticsDay,
    AnalyticsResponse,
    Board,
    BoardCreate,
    BoardPrivacy,
    BoardSection,
    BoardUpdate,
    BoardUpdatePrivacy,
    MediaSource,
    MediaStatus,
    MediaUpload,
    Page,
    Pin,
    PinCreate,
    UserAccount,
)
from publishing.pinterest.streaming import Base64File, FileSource, StreamedJson, files_in
from publishing.pinterest.transport import (
    CREATED,
    DELETED,
    UPLOADED,
    BearerAuth,
    Call,
    EventHooks,
    Item,
    Session,
    SessionOptions,
)

MAX_PAGE_SIZE = 250  # Pinterest's maximum for every paged list
DEFAULT_TIMEOUT_SECONDS = 20.0
DIGITS = re.compile(r"^[0-9]{1,64}$")  # \d would also accept non-ASCII digits
CLOCK_SKEW = timedelta(minutes=5)

Model = TypeVar("Model", bound=BaseModel)


def checked_id(value: str, name: str) -> str:
    """Ids go into URL paths: anything but a digit string is refused before it is sent."""
    if not isinstance(value, str) or not DIGITS.fullmatch(value):
        raise errors.InvalidRequest(f"{name} must be a Pinterest id (a string of digits), got {value!r:.80}")
    return value


def validated(model: type[Model], **fields: object) -> Model:
    """Build a request body, turning a pydantic error into our InvalidRequest naming the field."""
    try:
        return model(**fields)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'body'}: {error['msg']}"
            for error in exc.errors()
        )
        raise errors.InvalidRequest(f"Invalid {model.__name__}: {problems}") from None


def body(model_instance: BaseModel) -> dict[str, Any]:
    return model_instance.model_dump(mode="json", exclude_none=True)


def json_body(model_instance: BaseModel) -> dict[str, Any]:
    """``json=`` for a plain body; ``streamed_json=`` when base64 fields come from files."""
    files: list[Base64File] = []
    files_in(model_instance, files.append)
    if not files:
        return {"json": body(model_instance)}
    return {"streamed_json": StreamedJson(body(model_instance), files)}


BOARD_LIST_PRIVACY = ("ALL", "PUBLIC", "PROTECTED", "SECRET", "PUBLIC_AND_SECRET")


def page_params(bookmark: str | None, page_size: int, **extra: str | None) -> dict[str, str | int]:
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise errors.InvalidRequest(
            f"page_size must be an integer from 1 to {MAX_PAGE_SIZE}, got {page_size!r}"
        )
    params: dict[str, str | int] = {
        "page_size": page_size,
        **{key: value for key, value in extra.items() if value is not None},
    }
    if bookmark:
        params["bookmark"] = bookmark
    return params


# Pinterest's analytics limits (its OpenAPI document: query_start_date, query_end_date).
ANALYTICS_MAX_DAYS_BACK = 90
ANALYTICS_MAX_RANGE_DAYS = 90
PIN_ANALYTICS_METRICS = frozenset({
    "IMPRESSION", "OUTBOUND_CLICK", "PIN_CLICK", "SAVE", "SAVE_RATE", "TOTAL_COMMENTS", "TOTAL_REACTIONS",
    "USER_FOLLOW", "PROFILE_VISIT", "VIDEO_MRC_VIEW", "VIDEO_10S_VIEW", "QUARTILE_95_PERCENT_VIEW",
    "VIDEO_V50_WATCH_TIME", "VIDEO_START", "VIDEO_AVG_WATCH_TIME",
})
ACCOUNT_ANALYTICS_METRICS = frozenset({
    "ENGAGEMENT", "ENGAGEMENT_RATE", "IMPRESSION", "OUTBOUND_CLICK", "OUTBOUND_CLICK_RATE", "PIN_CLICK",
    "PIN_CLICK_RATE", "SAVE", "SAVE_RATE",
})


def analytics_params(start_date: date, end_date: date, metric_types: Iterable[str],
                     allowed: frozenset[str], *, required: bool) -> dict[str, str | int]:
    """The query of an analytics call; a range or metric Pinterest would refuse is refused here.
    (How far back ``start_date`` may go depends on Pinterest's "today": checked by the caller.)"""
    if not isinstance(start_date, date) or not isinstance(end_date, date):
        raise errors.InvalidRequest("start_date and end_date must be dates")
    if end_date < start_date:
        raise errors.InvalidRequest("end_date must not be before start_date")
    if (end_date - start_date).days > ANALYTICS_MAX_RANGE_DAYS:
        raise errors.InvalidRequest(f"end_date cannot be more than {ANALYTICS_MAX_RANGE_DAYS} days past start_date")
    metrics = list(dict.fromkeys(metric_types))
    unknown = [metric for metric in metrics if metric not in allowed]
    if unknown:
        raise errors.InvalidRequest(f"Unknown metric_types: {', '.join(map(str, unknown))[:200]}")
    if required and not metrics:
        raise errors.InvalidRequest("metric_types must name at least one metric")
    params: dict[str, str | int] = {"start_date": start_date.isoformat(), "end_date": end_date.isoformat()}
    if metrics:
        params["metric_types"] = ",".join(metrics)  # explode: false
    return params


@dataclass(frozen=True)
class PinFingerprint:
    """The content we sent in a pin create, used to recognise that pin on the board later."""

    board_id: str
    board_section_id: str
    title: str
    description: str
    link: str
    alt_text: str

    @classmethod
    def of(
        cls,
        *,
        board_id: str,
        board_section_id: str | None = None,
        title: str | None = None,
        description: str | None = None,
        link: str | None = None,
        alt_text: str | None = None,
    ) -> Self:
        return cls(
            board_id=board_id,
            board_section_id=normalised(board_section_id),
            title=normalised(title),
            description=normalised(description),
            link=normalised(link),
            alt_text=normalised(alt_text),
        )

    def matches(self, pin: Pin) -> bool:
        return (
            normalised(pin.board_id or self.board_id) == self.board_id
            and normalised(pin.board_section_id) == self.board_section_id
            and normalised(pin.title) == self.title
            and normalised(pin.description) == self.description
            and normalised(pin.link) == self.link
            and normalised(pin.alt_text) == self.alt_text
        )


def normalised(value: str | None) -> str:
    """Pinterest may hand back an empty string for a field we left out, or trim whitespace."""
    return (value or "").strip()


class PinterestClient(Session):
    """Client for one access token. Reuses one connection pool; close it when done."""

    def __init__(
        self,
        api_base: str,
        access_token: str,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        event_hooks: EventHooks | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(SessionOptions(api_base, timeout, BearerAuth(access_token), event_hooks, transport))

    @classmethod
    def for_environment(
        cls,
        environment: str,
        access_token: str,
        *,
        timeout: float | None = None,
        event_hooks: EventHooks | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> Self:
        """A client for a workspace's environment ("sandbox" or "production")."""
        endpoints = pinterest_endpoints(environment)
        return cls(
            endpoints.api_base,
            access_token,
            timeout=endpoints.timeout_seconds if timeout is None else timeout,
            event_hooks=event_hooks,
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._options.base_url!r})"

    def _paged(
        self, operation: str, path: str, page_type: type[Page[Item]], page_size: int, **filters: str | None
    ) -> Iterator[Item]:
        """Every item of a bookmark-paged list, one page (one request) at a time."""
        return self._paginate(
            lambda bookmark: Call(operation, "GET", path, params=page_params(bookmark, page_size, **filters)),
            page_type,
        )

    # --- user account -------------------------------------------------------------------------

    def user_account(self) -> UserAccount:
        return self._call(Call("user_account/get", "GET", "user_account"), UserAccount)

    # --- boards -------------------------------------------------------------------------------

    def boards_iter(self, *, privacy: str | None = None, page_size: int = MAX_PAGE_SIZE) -> Iterator[Board]:
        """Every board of the user, following bookmarks to the very end (no 250-board cap)."""
        if privacy is not None and privacy not in BOARD_LIST_PRIVACY:
            raise errors.InvalidRequest(f"privacy must be one of {', '.join(BOARD_LIST_PRIVACY)}")
        return self._paged("boards/list", "boards", Page[Board], page_size, privacy=privacy)

    def boards_list(self, *, privacy: str | None = None) -> list[Board]:
        return list(self.boards_iter(privacy=privacy))

    def board_get(self, board_id: str) -> Board:
        board_id = checked_id(board_id, "board_id")
        return self._call(Call("boards/get", "GET", f"boards/{board_id}"), Board)

    def board_create(
        self, *, name: str, description: str | None = None, privacy: BoardPrivacy | None = None
    ) -> Board:
        payload = validated(BoardCreate, name=name, description=description, privacy=privacy)
        return self._call(Call("boards/create", "POST", "boards", success=CREATED, json=body(payload)), Board)

    def board_update(
        self,
        board_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        privacy: BoardUpdatePrivacy | None = None,
    ) -> Board:
        board_id = checked_id(board_id, "board_id")
        payload = validated(BoardUpdate, name=name, description=description, privacy=privacy)
        return self._call(Call("boards/update", "PATCH", f"boards/{board_id}", json=body(payload)), Board)

    def board_delete(self, board_id: str) -> None:
        board_id = checked_id(board_id, "board_id")
        return self._call(Call("boards/delete", "DELETE", f"boards/{board_id}", success=DELETED))

    def board_sections_iter(self, board_id: str, *, page_size: int = MAX_PAGE_SIZE) -> Iterator[BoardSection]:
        board_id = checked_id(board_id, "board_id")
        return self._paged(
            "board_sections/list", f"boards/{board_id}/sections", Page[BoardSection], page_size
        )

    def board_sections_list(self, board_id: str) -> list[BoardSection]:
        return list(self.board_sections_iter(board_id))

    def board_pins_iter(self, board_id: str, *, page_size: int = MAX_PAGE_SIZE) -> Iterator[Pin]:
        """A board's pins, newest first."""
        board_id = checked_id(board_id, "board_id")
        return self._paged("boards/list_pins", f"boards/{board_id}/pins", Page[Pin], page_size)

    def board_pins_list(self, board_id: str) -> list[Pin]:
        return list(self.board_pins_iter(board_id))

    # --- pins ---------------------------------------------------------------------------------

    def pin_create(
        self,
        *,
        board_id: str,
        media_source: MediaSource | dict[str, Any],
        title: str | None = None,
        description: str | None = None,
        link: str | None = None,
        alt_text: str | None = None,
        board_section_id: str | None = None,
        dominant_color: str | None = None,
    ) -> Pin:
        """Create a pin. Never retried: a timeout raises OutcomeUnknown (see board_pin_find)."""
        payload = validated(
            PinCreate,
            board_id=board_id,
            media_source=media_source,
            title=title,
            description=description,
            link=link,
            alt_text=alt_text,
            board_section_id=board_section_id,
            dominant_color=dominant_color,
        )
        return self._call(Call("pins/create", "POST", "pins", success=CREATED, **json_body(payload)), Pin)

    def pin_get(self, pin_id: str) -> Pin:
        pin_id = checked_id(pin_id, "pin_id")
        return self._call(Call("pins/get", "GET", f"pins/{pin_id}"), Pin)

    def pin_delete(self, pin_id: str) -> None:
        pin_id = checked_id(pin_id, "pin_id")
        return self._call(Call("pins/delete", "DELETE", f"pins/{pin_id}", success=DELETED))

    # --- analytics (rate-limit category org_analytics) ------------------------------------------

    def pin_analytics(
        self, pin_id: str, *, start_date: date, end_date: date, metric_types: Iterable[str]
    ) -> list[AnalyticsDay]:
        """A pin's figures per UTC day, oldest first (scopes ``boards:read`` and ``pins:read``).
        ``metric_types`` are Pinterest's names (``IMPRESSION``, ``SAVE``, ``VIDEO_MRC_VIEW``, ...)."""
        pin_id = checked_id(pin_id, "pin_id")
        params = analytics_params(start_date, end_date, metric_types, PIN_ANALYTICS_METRICS, required=True)
        return self._call(Call("pins/analytics", "GET", f"pins/{pin_id}/analytics", params=params),
                          AnalyticsResponse).days()

    def user_account_analytics(
        self, *, start_date: date, end_date: date, metric_types: Iterable[str] = ()
    ) -> list[AnalyticsDay]:
        """The account's figures per UTC day, oldest first (scope ``user_accounts:read``); every
        metric Pinterest has when ``metric_types`` is empty."""
        params = analytics_params(start_date, end_date, metric_types, ACCOUNT_ANALYTICS_METRICS, required=False)
        return self._call(Call("user_account/analytics", "GET", "user_account/analytics", params=params),
                          AnalyticsResponse).days()

    # --- media (video uploads) ----------------------------------------------------------------

    def media_register(self) -> MediaUpload:
        """Step 1 of a video upload: an id plus where and how to upload the file."""
        return self._call(
            Call(
                "media/create",
                "POST",
                "media",
                success=CREATED,
                json={"media_type": "video"},
            ),
            MediaUpload,
        )

    def media_upload(self, registration: MediaUpload, path: str | Path | FileSource) -> None:
        """Step 2: POST the file to the registration's ``upload_url`` (S3), streamed from disk or
        from storage (a ``FileSource`` over a stored file).

        Every ``upload_parameters`` field goes first and ``file`` last; no Pinterest token is sent.
        """
        if not isinstance(path, FileSource):
            path = Path(path)
            if not path.is_file():
                raise errors.InvalidRequest(f"No file to upload at {path}")
            path = FileSource(path)
        return self._call(
            Call(
                "media/upload",
                "POST",
                registration.upload_url,
                success=UPLOADED,
                upload_fields=dict(registration.upload_parameters),
                upload_file=path,
                authenticated=False,
            )
        )

    def media_get(self, media_id: str) -> MediaStatus:
        """Step 3: ``registered`` → ``processing`` → ``succeeded`` or ``failed``."""
        media_id = checked_id(media_id, "media_id")
        return self._call(Call("media/get", "GET", f"media/{media_id}"), MediaStatus)

    def media_upload_file(self, path: str | Path) -> MediaUpload:
        """Register and upload a video in one go; returns the registration (``media_id``)."""
        registration = self.media_register()
        self.media_upload(registration, path)
        return registration

    def media_wait(
        self, media_id: str, *, timeout: float = 60.0, first_interval: float = 1.0, max_interval: float = 10.0
    ) -> MediaStatus:
        """Poll until processing ends, backing off from ``first_interval`` up to ``max_interval``.

        Returns the ``succeeded`` status; raises MediaProcessingFailed on ``failed`` and
        MediaNotReady when the deadline passes first.
        """
        deadline = time.monotonic() + timeout
        interval = first_interval
        while True:
            status = self.media_get(media_id)
            if status.status == "succeeded":
                return status
            if status.status == "failed":
                raise errors.MediaProcessingFailed(f"Pinterest could not process media {media_id}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise errors.MediaNotReady(f"Media {media_id} is still {status.status} after {timeout:g}s")
            time.sleep(min(interval, remaining))
            interval = min(interval * 2, max_interval)

    def board_pin_find(
        self,
        fingerprint: PinFingerprint,
        *,
        created_after: datetime | None = None,
        exclude_ids: Iterable[str] = (),
    ) -> Pin | None:
        """The pin on the fingerprint's board that a create with this content made, if any.

        Pages through the whole board (pins are not guaranteed to come newest first); a pin older
        than ``created_after`` (minus clock skew) or listed in ``exclude_ids`` is not ours.
        """
        excluded = set(exclude_ids)
        earliest = created_after - CLOCK_SKEW if created_after else None
        for pin in self.board_pins_iter(fingerprint.board_id):
            if pin.id in excluded or not fingerprint.matches(pin):
                continue
            if earliest and pin.created_at and pin.created_at < earliest:
                continue
            return pin
        return None
