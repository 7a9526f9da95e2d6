"""One router per area of the API, each in its own module, mounted under /v1 in this order."""

from publishing.api.routers import (
    activity_logs,
    analytics,
    api_keys,
    assets,
    auth,
    billing,
    comments,
    dashboard,
    email,
    jobs,
    mcp,
    notifications,
    pins,
    pinterest,
    projects,
    queue,
    rate_meter,
    review_links,
    schedules,
    stripe,
    team,
    webhooks,
)

ROUTERS = [
    ("/auth", auth.router),
    ("/api-keys", api_keys.router),
    ("/projects", projects.router),
    ("/pinterest", pinterest.router),
    ("/assets", assets.router),
    ("/pins", pins.router),
    ("/pins", comments.router),  # /pins/{id}/comments: the thread, a Pinboard extension
    ("/jobs", jobs.router),
    ("/schedules", schedules.router),
    ("/schedules", comments.schedule_router),  # /schedules/{id}/comments: the thread, a Pinboard extension
    ("/webhooks", webhooks.router),
    ("/team", team.router),
    ("/dashboard", dashboard.router),
    ("/rate-meter", rate_meter.router),
    ("/activity-logs", activity_logs.router),
    ("/billing", billing.router),
    ("/stripe", stripe.router),
    ("/mcp", mcp.router),
    ("/email", email.router),
    ("/notifications", notifications.router),  # the caller's notifications, a Pinboard extension
    ("/review-links", review_links.router),  # sending pins to a guest reviewer, a Pinboard extension
    ("/queue", queue.router),  # the posting queue, a Pinboard extension
    ("/pinterest", queue.slots_router),  # /pinterest/accounts/{id}/slots: posting slots, a Pinboard extension
    ("/pinterest", analytics.router),  # /pinterest/accounts/{id}/analytics/...: stored analytics, a Pinboard extension
]
