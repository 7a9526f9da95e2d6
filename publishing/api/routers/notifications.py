"""/v1/notifications (Pinboard extension): the calling member's notifications, and marking them read."""

from django.http import HttpRequest
from ninja import Query, Router

from publishing.api.schemas.common import responses
from publishing.api.schemas.notifications import (
    NotificationFilters,
    NotificationListOut,
    NotificationReadIn,
    NotificationReadOut,
    notification_out,
)
from publishing.api.security import actor_of
from publishing.pagination import keyset_page
from publishing.services.notifications import (
    notification_unread_count,
    notifications_for,
    notifications_mark_read,
)

router = Router(tags=["notifications (Pinboard extension)"])

WHO = ("A logged-in member (bearer token); an API key has no person and is refused (`403 user_required`). "
       "Only the caller's own notifications in the caller's team are ever seen.")


@router.get("", response=responses({200: NotificationListOut}, 403),
            description="Pinboard extension. The caller's notifications, newest first (`before`: the last id of "
                        "the previous page). " + WHO)
def list_notifications(request: HttpRequest, filters: Query[NotificationFilters]) -> NotificationListOut:
    who = actor_of(request)
    notifications = notifications_for(actor=who)
    if filters.unread:
        notifications = notifications.unread()
    page = keyset_page(notifications, size=filters.limit, after=filters.before)
    return NotificationListOut(data=[notification_out(item) for item in page.items],
                               unread_count=notification_unread_count(actor=who),
                               has_more=page.next_cursor is not None)


@router.post("/read", response=responses({200: NotificationReadOut}, 403),
             description="Pinboard extension. Mark the named notifications read, or every one when `ids` is left "
                         "out. " + WHO)
def read_notifications(request: HttpRequest, data: NotificationReadIn | None = None) -> NotificationReadOut:
    who = actor_of(request)
    ids = None if data is None or data.ids is None else [str(item) for item in data.ids]
    marked = notifications_mark_read(actor=who, public_ids=ids)
    return NotificationReadOut(marked=marked, unread_count=notification_unread_count(actor=who))
