from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from publishing.access import team_context_or_404
from publishing.models import Pin, PinterestAccount, Schedule
from publishing.reports import CHART_HEIGHT, CHART_WIDTH, daily_pin_chart, pin_status_comparison
from publishing.services.pacing import pacing_meters

QUEUE_PREVIEW = 5


@login_required
def overview(request):
    ctx = team_context_or_404(request)
    now = timezone.now()
    workspace_pins = Pin.objects.for_workspace(ctx.workspace)
    awaiting = workspace_pins.awaiting_approval().order_by("created_at", "id")
    chart = daily_pin_chart(ctx.workspace, now=now)
    return render(
        request,
        "publishing/overview/overview.html",
        {
            "ctx": ctx,
            "comparison": pin_status_comparison(ctx.workspace, now=now),
            "chart": chart,
            "chart_has_data": any(bar.total for bar in chart),
            "chart_width": CHART_WIDTH,
            "chart_height": CHART_HEIGHT,
            "awaiting_count": awaiting.count(),
            "awaiting": awaiting[:QUEUE_PREVIEW],
            "in_flight_count": workspace_pins.in_flight().count(),
            "upcoming": Schedule.objects.for_workspace(ctx.workspace).upcoming(now)
            .order_by("run_at", "id")[:QUEUE_PREVIEW],
            "needing_reconnect": PinterestAccount.objects.for_workspace(ctx.workspace).needing_reconnect(),
            "rate_meter": rate_meter_rows(list(PinterestAccount.objects.for_workspace(ctx.workspace))),
        },
    )


def rate_meter_rows(accounts: list[PinterestAccount]) -> list[dict]:
    """The server's bucket (Pinterest's limit for this whole server) and each account's, read once
    through ``pacing_meters`` (the source of ``/v1/rate-meter``): the same queries for 1 or 30 accounts."""
    server, per_account = pacing_meters(accounts=accounts)
    labelled = [("server", "This server (all workspaces)", server)]
    labelled += [(f"account-{meter['account_id']}", f"@{account}", meter)
                 for account, meter in zip(accounts, per_account, strict=True)]
    return [{"key": key, "label": label, "available": int(meter["tokens_available"]),
             "capacity": int(meter["capacity"]), "low": int(meter["capacity"]) // 5,
             "per_minute": round(meter["refill_rate"] * 60)} for key, label, meter in labelled]
