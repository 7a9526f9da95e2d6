"""One router per area of the API, mounted under /v1 in this order."""

from publishing.api.routers import (
    api_keys,
    assets,
    auth,
    dashboard,
    peripheral,
    pins,
    pinterest,
    projects,
    schedules,
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
    ("/pins", peripheral.analytics_router),
    ("/jobs", pins.jobs_router),
    ("/schedules", schedules.router),
    ("/webhooks", webhooks.router),
    ("/team", team.router),
    ("/dashboard", dashboard.router),
    ("/rate-meter", dashboard.rate_meter_router),
    ("/activity-logs", peripheral.activity_router),
    ("/billing", peripheral.billing_router),
    ("/stripe", peripheral.stripe_router),
    ("/mcp", peripheral.mcp_router),
    ("/email", peripheral.email_router),
]
