"""/v1/pinterest/accounts/{id}/analytics/...: Pinboard extensions over the stored analytics — the
collection's status and an account's top pins. Nothing here calls Pinterest."""

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router

from publishing.api import analytics
from publishing.api.schemas.analytics import CollectionOut, CollectionQuery, TopPinsOut, TopPinsQuery
from publishing.api.schemas.common import responses
from publishing.api.security import actor_of
from publishing.lookups import account_for_workspace_or_404

router = Router(tags=["pinterest"])


@router.get("/accounts/{account_id}/analytics/collection", response=responses({200: CollectionOut}, 403, 404),
            description="Pinboard extension. How the account's analytics are collected: the first and last day "
                        "of its stored figures, when the newest was collected, and its latest collection runs "
                        "(newest first: `backfill` on connect or `daily`; `outcome`; the Pinterest days asked for; "
                        "the `calls` spent at Pinterest, retries included). Any member or key with `read` that "
                        "may use the account.")
def analytics_collection(request: HttpRequest, account_id: UUID, query: Query[CollectionQuery]) -> dict[str, Any]:
    who = actor_of(request, "workspace.read")
    return analytics.collection_status(account_for_workspace_or_404(who, account_id), limit=query.limit)


@router.get("/accounts/{account_id}/analytics/pins", response=responses({200: TopPinsOut}, 403, 404),
            description="Pinboard extension. The account's pins with the most `metric` over `start_date`..`end_date` "
                        "(default: the 30 days to today, UTC; at most 366 days), read from the stored figures "
                        "(`source: stored`; nothing is asked of Pinterest), most first; pins without the metric "
                        "are left out. Each pin's `totals` add up every metric over the range. A reversed or too "
                        "long range or an unknown metric is a 422 naming the field.")
def analytics_top_pins(request: HttpRequest, account_id: UUID, query: Query[TopPinsQuery]) -> dict[str, Any]:
    who = actor_of(request, "workspace.read")
    return analytics.top_pins(account_for_workspace_or_404(who, account_id), start_date=query.start_date,
                              end_date=query.end_date, metric=query.metric, limit=query.limit)
