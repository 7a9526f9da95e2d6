from django.urls import path

from publishing.views import (
    accounts,
    api_keys,
    approvals,
    assets,
    calendar,
    compose,
    invitations,
    notifications,
    overview,
    pins,
    team,
    webhooks,
    workspace,
)

urlpatterns = [
    path("", overview.overview, name="overview"),
    path("workspace/switch", workspace.switch_workspace, name="switch_workspace"),
    # Compose
    path("compose/", compose.compose, name="compose"),
    path("compose/boards", compose.compose_boards, name="compose_boards"),
    path("compose/upload", compose.compose_upload, name="compose_upload"),
    # Pins
    path("pins/", pins.pin_list, name="pins"),
    path("pins/<uuid:public_id>/", pins.pin_detail, name="pin_detail"),
    path("pins/<uuid:public_id>/row", pins.pin_row, name="pin_row"),
    path("pins/<uuid:public_id>/retry", pins.pin_retry_view, name="pin_retry"),
    path("pins/<uuid:public_id>/edit", pins.pin_edit_view, name="pin_edit"),
    path("pins/<uuid:public_id>/delete", pins.pin_delete_view, name="pin_delete"),
    path("pins/<uuid:public_id>/comments", pins.pin_comment_view, name="pin_comment"),
    path("pins/<uuid:public_id>/versions/<int:version>/diff", pins.pin_version_diff, name="pin_version_diff"),
    # Approvals
    path("approvals/", approvals.approval_queue, name="approvals"),
    path("approvals/bulk-approve", approvals.approval_bulk_approve, name="approval_bulk_approve"),
    path("approvals/<uuid:public_id>/approve", approvals.approval_approve, name="approval_approve"),
    path("approvals/<uuid:public_id>/reject", approvals.approval_reject, name="approval_reject"),
    # Calendar
    path("calendar/", calendar.calendar_view, name="calendar"),
    path("calendar/schedules/<uuid:public_id>/reschedule", calendar.schedule_reschedule, name="schedule_reschedule"),
    # Assets
    path("assets/", assets.asset_library, name="assets"),
    path("assets/upload", assets.asset_library_upload, name="asset_upload"),
    path("assets/<uuid:public_id>/file", assets.asset_file, name="asset_file"),
    path("assets/<uuid:public_id>/delete", assets.asset_delete_view, name="asset_delete"),
    # Accounts
    path("accounts/", accounts.account_list, name="accounts"),
    path("accounts/connect", accounts.account_connect, name="account_connect"),
    path("accounts/oauth/callback", accounts.account_oauth_callback, name="account_oauth_callback"),
    path("accounts/<uuid:public_id>/disconnect", accounts.account_disconnect_view, name="account_disconnect"),
    path("accounts/<uuid:public_id>/boards/refresh", accounts.account_boards_refresh, name="account_boards_refresh"),
    path("accounts/<uuid:public_id>/boards/create", accounts.account_board_create, name="account_board_create"),
    # Team and settings
    path("team/", team.team_members, name="team"),
    path("team/members/<uuid:public_id>/role", team.member_role, name="member_role"),
    path("team/members/<uuid:public_id>/remove", team.member_remove, name="member_remove"),
    path("team/invitations", team.invitation_create_view, name="invitation_create"),
    path("team/invitations/<uuid:public_id>/resend", team.invitation_resend_view, name="invitation_resend"),
    path("team/invitations/<uuid:public_id>/revoke", team.invitation_revoke_view, name="invitation_revoke"),
    path("team/settings", team.team_settings, name="team_settings"),
    path("team/audit", team.team_audit, name="team_audit"),
    path("team/webhooks", webhooks.webhook_list, name="team_webhooks"),
    path("team/webhooks/create", webhooks.webhook_create_view, name="webhook_create"),
    path("team/webhooks/<uuid:public_id>/toggle", webhooks.webhook_toggle, name="webhook_toggle"),
    path("team/webhooks/<uuid:public_id>/delete", webhooks.webhook_delete_view, name="webhook_delete"),
    path("invitations/accept", invitations.invitation_accept_view, name="invitation_accept"),
    # API keys
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/bell", notifications.notification_bell, name="notification_bell"),
    path("notifications/read-all", notifications.notifications_read_all, name="notifications_read_all"),
    path("notifications/preferences", notifications.notification_preferences, name="notification_preferences"),
    path("notifications/<uuid:public_id>/", notifications.notification_go, name="notification_go"),

    path("api-keys/", api_keys.api_key_list, name="api_keys"),
    path("api-keys/create", api_keys.api_key_create_view, name="api_key_create"),
    path("api-keys/<uuid:public_id>/edit", api_keys.api_key_edit, name="api_key_edit"),
    path("api-keys/<uuid:public_id>/rotate", api_keys.api_key_rotate_view, name="api_key_rotate"),
    path("api-keys/<uuid:public_id>/revoke", api_keys.api_key_revoke_view, name="api_key_revoke"),
]
