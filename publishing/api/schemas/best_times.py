"""/v1/pinterest/accounts/{id}/slots/suggestions (Pinboard extension): best posting times learned
from the account's stored engagement, and applying them to its posting slots."""

from typing import Literal
from uuid import UUID

from ninja import Schema
from pydantic import Field

from publishing.api.schemas.common import InSchema
from publishing.api.schemas.queue import PostingSlotOut, slot_out
from publishing.models import WEEKDAYS
from publishing.services.best_times import Applied, BestTimes, SuggestedTime

Metric = Literal["save", "impression", "outbound_click"]


class SuggestionsQuery(InSchema):
    metric: Metric = Field("save", description="What to rank the hours by, over each pin's first 7 days")


class SuggestionsApplyIn(InSchema):
    metric: Metric = Field("save", description="What to rank the hours by, over each pin's first 7 days")


class SuggestedTimeOut(Schema):
    weekday: int = Field(description="0 = Monday … 6 = Sunday")
    weekday_name: str
    time: str = Field(description="HH:00, in the workspace's time zone")
    pins: int = Field(description="Pins published in this hour (with 7 days of figures) behind the suggestion")
    average: float = Field(description="The hour's average per pin: figures capped at the account's 90th "
                                       "percentile, shrunk toward the account's average by 5 average pins")
    lift: float = Field(description="average / the account's average per pin")
    already_a_slot: bool = Field(description="The account already has a posting slot at this time")
    evidence: str = Field(description="The suggestion in words, e.g. 'Tue 19:00: 2.3× the average saves over "
                                      "8 weeks (5 pins)'")


class SuggestionsOut(Schema):
    account_id: UUID
    time_zone: str
    metric: str
    window_days: int = Field(description="Each pin counts its first this many Pinterest (UTC) days")
    lookback_weeks: int = Field(description="Pins published in this many weeks up to the last complete window")
    enough_data: bool = Field(description="False: nothing is suggested yet and `missing` says why")
    missing: str | None = Field(description="What is missing before anything can be suggested, e.g. '12 of 20 "
                                            "pins with 7 days of figures in the last 8 weeks.'")
    pins_counted: int = Field(description="Pins with a figure for every day of their window")
    pins_required: int
    pins_too_young: int = Field(description="Pins published in the last `window_days` days (left out)")
    pins_without_figures: int = Field(description="Pins old enough whose window lacks a day's figure (left out)")
    account_average: float | None = Field(description="Per pin, capped at the 90th percentile; null without "
                                                      "enough data")
    suggestions: list[SuggestedTimeOut] = Field(description="Best first; empty without enough data or when no "
                                                            "hour does at least 1.1× the average")
    summary: str


class SuggestionsAppliedOut(Schema):
    added: list[PostingSlotOut] = Field(description="Slots this call added")
    already_there: list[PostingSlotOut] = Field(description="Suggested times that were slots already")
    slots: list[PostingSlotOut] = Field(description="The account's whole week now (its other slots are kept)")
    message: str
    suggestions: SuggestionsOut


def suggestion_out(suggestion: SuggestedTime) -> SuggestedTimeOut:
    return SuggestedTimeOut(weekday=suggestion.weekday, weekday_name=WEEKDAYS[suggestion.weekday],
                            time=suggestion.time_text, pins=suggestion.pins, average=suggestion.average,
                            lift=suggestion.lift, already_a_slot=suggestion.already_a_slot,
                            evidence=suggestion.evidence)


def suggestions_out(account_id: UUID, found: BestTimes) -> SuggestionsOut:
    return SuggestionsOut(
        account_id=account_id, time_zone=found.time_zone, metric=found.metric, window_days=found.window_days,
        lookback_weeks=found.lookback_weeks, enough_data=found.enough_data, missing=found.missing or None,
        pins_counted=found.pins_counted, pins_required=found.pins_required, pins_too_young=found.pins_too_young,
        pins_without_figures=found.pins_without_figures, account_average=found.account_average,
        suggestions=[suggestion_out(s) for s in found.suggestions], summary=found.summary)


def applied_out(account_id: UUID, applied: Applied, week: list[PostingSlotOut]) -> SuggestionsAppliedOut:
    return SuggestionsAppliedOut(added=[slot_out(slot) for slot in applied.added],
                                 already_there=[slot_out(slot) for slot in applied.already_there],
                                 slots=week, message=applied.message,
                                 suggestions=suggestions_out(account_id, applied.best_times))
