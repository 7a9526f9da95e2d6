"""Building blocks shared by every area's In and Out schemas."""

import json
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Annotated, Any, get_args
from uuid import UUID

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from ninja import Schema
from ninja.responses import NinjaJSONEncoder
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from pydantic_core import to_json

from publishing import pagination
from publishing.pagination import OffsetPage


def refuse_nul(value: Any) -> Any:
    """PostgreSQL cannot store NUL (0x00) in text: refuse it as bad input, on every database."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("must not contain NUL (0x00) characters")
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_nul(key)
            refuse_nul(item)
    elif isinstance(value, list | tuple | set):
        for item in value:
            refuse_nul(item)
    return value


# PostgreSQL's timestamptz takes UTC offsets below 16 hours; Python's datetime takes up to 24.
DATABASE_MAX_UTC_OFFSET = timedelta(hours=16)


def representable_in_utc(value: datetime) -> datetime:
    """Databases compare moments in UTC (SQLite converts them in Python): refuse one that UTC
    cannot hold, such as 0001-01-01T00:00+14:00, as bad input instead of a 500. Refuse too an
    offset PostgreSQL cannot parse (such as -18:33): the moment reaches it with its offset."""
    if value.tzinfo is not None:
        offset = value.utcoffset()
        if offset is not None and abs(offset) >= DATABASE_MAX_UTC_OFFSET:
            raise ValueError("has a UTC offset beyond ±15:59")
        try:
            value.astimezone(UTC)
        except OverflowError:
            raise ValueError("is out of range once converted to UTC") from None
    return value


def or_none(text: str) -> str | None:
    """An Out schema's optional text: the models store an absent value as "", /v1 sends null."""
    return text or None


# A moment from a request (list filters' since and until, the dashboard's start and end).
FilterMoment = Annotated[datetime, AfterValidator(representable_in_utc)]

# For path and query parameters declared one by one.
SafeStr = Annotated[str, AfterValidator(refuse_nul)]
BoardId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$"), AfterValidator(refuse_nul)]
Limit = Annotated[int, Field(ge=1, le=200)]
Offset = Annotated[int, Field(ge=0, le=1_000_000_000)]


class InSchema(Schema):
    """Base of every request schema: unknown fields are ignored (newer SDKs may send more),
    NUL characters are refused in every text field, nested ones included."""

    model_config = ConfigDict(extra="ignore")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul_characters(cls, value: Any) -> Any:
        return refuse_nul(value)


class ErrorDetail(Schema):
    message: str
    code: str


class FieldError(Schema):
    loc: list[str | int]
    field: str
    msg: str
    type: str


class ErrorEnvelope(Schema):
    code: str
    message: str
    request_id: str | None = None
    errors: list[FieldError] | None = None
    retry_after_seconds: int | None = None


class ErrorOut(Schema):
    """Every non-2xx answer of the API."""

    detail: ErrorDetail
    error: ErrorEnvelope


class MessageOut(Schema):
    message: str


class IdsIn(InSchema):
    ids: list[UUID] = Field(..., min_length=1, max_length=100)


class BulkItemOut(Schema):
    id: str
    status: str  # succeeded | skipped | failed
    error_code: str | None = None
    error_message: str | None = None


class BulkOut(Schema):
    succeeded_count: int
    skipped_count: int
    failed_count: int
    results: list[BulkItemOut]


def responses(success: dict[int, Any] | None = None, *errors: int) -> dict[int, Any]:
    """The ``response=`` mapping of an operation: its success schema(s) plus the error statuses it
    can answer (so the OpenAPI document is truthful). 401 and 422 apply to nearly everything."""
    mapping = dict(success or {})
    for status in {401, 422, *errors}:
        mapping[status] = ErrorOut
    return mapping


def total_count_header(what: str) -> dict[str, Any]:
    """``openapi_extra`` documenting the ``X-Total-Count`` header of a paged list, and its
    ``X-Total-Count-Exact`` companion (a Pinboard extension)."""
    return {"responses": {200: {"headers": {
        "X-Total-Count": {
            "description": f"{what} matching the filters, ignoring limit and offset: exact up to "
                           f"{pagination.EXACT_TOTAL_LIMIT:,}, above that PostgreSQL's estimate (see "
                           "X-Total-Count-Exact); it exceeds offset plus the items returned exactly when more follow",
            "schema": {"type": "integer"}},
        "X-Total-Count-Exact": {
            "description": "Pinboard extension: `true` when X-Total-Count is exact, `false` when it is an estimate",
            "schema": {"type": "boolean"}},
    }}}}


def set_total_count(response: HttpResponse, page: OffsetPage[Any]) -> None:
    """The headers ``total_count_header`` documents, for one page of a list."""
    response["X-Total-Count"] = str(page.total)
    response["X-Total-Count-Exact"] = "true" if page.total_exact else "false"


def rendered_list(response: HttpResponse, items: list[dict[str, Any]], schema: type[Schema]) -> HttpResponse:
    """``response`` (the operation's temporal response, headers set) with ``items`` as its JSON body.
    For list operations whose presenter already builds each item in ``schema``'s exact shape:
    validating 50 rows again cost more than the rest of the request, and the standard library's
    encoder with ninja's ``default`` hook (called for every UUID and date-time) 0.6-1 ms more for a
    page of 50 pins. pydantic-core's encoder writes UUIDs, nulls and lists as ninja's does, and the
    schema's date-time fields are first written by ninja's own encoder (ISO 8601 to the millisecond,
    ``Z`` for UTC), so each item parses to exactly what the validating path answers (a test compares
    them). The text differs only in bytes JSON ignores: no space after ``,`` and ``:``, and DEL
    (0x7f) written as itself rather than ``\\u007f``. Top-level date-time fields only."""
    moments = _moment_fields(schema)
    for item in items:
        for name in moments:
            if item[name] is not None:
                item[name] = _DJANGO_JSON.default(item[name])
    response.content = to_json(items, ensure_ascii=True)  # non-ASCII escaped, as json.dumps does
    return response


_DJANGO_JSON = DjangoJSONEncoder()  # what ninja's encoder writes a date-time with


@cache
def _moment_fields(schema: type[Schema]) -> tuple[str, ...]:
    """The fields of ``schema`` declared as a date-time (or one or None); a date-time or a model
    anywhere else in a field's type is refused, since the fast path would write it another way."""
    moments = []
    for name, field in schema.model_fields.items():
        if field.annotation in (datetime, datetime | None):
            moments.append(name)
        elif _mentions(field.annotation, (datetime, BaseModel)):
            raise TypeError(f"rendered_list writes top-level date-times only: {schema.__name__}.{name}")
    return tuple(moments)


def _mentions(annotation: Any, kinds: tuple[type, ...]) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, kinds):
        return True
    return any(_mentions(argument, kinds) for argument in get_args(annotation))


def encoded(body: Any) -> str:
    """A body a presenter builds in its Out schema's exact shape (a test compares it with the schema's
    validated dump), written as ninja writes it."""
    return json.dumps(body, cls=NinjaJSONEncoder)
