"""Mounted at ``sandbox/pinterest/``: the v5 API (no trailing slashes, as Pinterest), the OAuth
authorize page, the stand-in for S3 and the staff control page."""

import functools

from django.http import Http404
from django.urls import path, re_path

from pinterest_sandbox import conf
from pinterest_sandbox.endpoint import not_found
from pinterest_sandbox.views import control, oauth, upload, v5

app_name = "pinterest_sandbox"
urlpatterns = [
    path("oauth/", oauth.authorize, name="authorize"),
    path("control/", control.control, name="control"),
    path("media-upload/", upload.media_upload, name="media_upload"),
    path("v5/oauth/token", oauth.token, name="oauth_token"),
    path("v5/user_account", v5.user_account, name="user_account"),
    path("v5/user_account/analytics", v5.user_account_analytics_view, name="user_account_analytics"),
    path("v5/user_account/analytics/top_pins", v5.user_account_top_pins_view, name="user_account_top_pins"),
    path("v5/boards", v5.boards, name="boards"),
    path("v5/boards/<str:board_id>", v5.board, name="board"),
    path("v5/boards/<str:board_id>/sections", v5.board_sections, name="board_sections"),
    path("v5/boards/<str:board_id>/pins", v5.board_pins, name="board_pins"),
    path("v5/pins", v5.pins, name="pins"),
    path("v5/pins/<str:pin_id>", v5.pin, name="pin"),
    path("v5/pins/<str:pin_id>/analytics", v5.pin_analytics, name="pin_analytics"),
    path("v5/media", v5.media, name="media"),
    path("v5/media/<str:media_id>", v5.media_item, name="media_item"),
    re_path(r"^v5/", not_found),
]


def _served_only_where_enabled(view):
    """404 for every sandbox page when SANDBOX_ENABLED is off (read per request, not at import)."""

    @functools.wraps(view)
    def guarded(request, *args, **kwargs):
        if not conf.enabled():
            raise Http404("The Pinterest sandbox is not enabled on this server.")
        return view(request, *args, **kwargs)

    return guarded


for _pattern in urlpatterns:
    _pattern.callback = _served_only_where_enabled(_pattern.callback)
