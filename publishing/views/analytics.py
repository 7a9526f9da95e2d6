"""Each Pinterest account's analytics page (any member of the team): totals, a daily chart per metric,
the top pins and the collection's state over a range of dates picked in the team's time zone, and
the same figures as CSV. Everything is read from the stored figures (publishing/analytics_report.py):
a page view costs nothing at Pinterest. Bad dates come back as errors on the range form."""

from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.utils import timezone

from publishing.access import team_context_or_404
from publishing.analytics_report import (
    METRIC_LABELS,
    PRESETS,
    TOP_PINS_CSV,
    AnalyticsRangeForm,
    account_report,
    csv_filename,
    csv_lines,
    daily_csv_rows,
    top_metric,
    top_pins_csv_rows,
)
from publishing.lookups import account_for_workspace_or_404
from publishing.models import PinterestAccount
from publishing.models.analytics import ACCOUNT_METRICS
from publishing.views.common import render_page

TEMPLATE = "publishing/accounts/analytics.html"
METRIC_CHOICES = [(name, METRIC_LABELS[name]) for name in ACCOUNT_METRICS]


def _page(request, ctx, account, form: AnalyticsRangeForm, metric: str, report, *, status: int = 200):
    return render_page(request, TEMPLATE, {
        "ctx": ctx, "account": account, "form": form, "report": report, "presets": PRESETS, "metric": metric,
        "metric_choices": METRIC_CHOICES, "zone": ctx.workspace.timezone,
    }, fragment="analytics_area", status=status)


def _read(request, public_id):
    """The member's context, the account (another team's: 404), the range form read from the query
    (today is the team's: the middleware has activated the workspace's zone) and the top pins' metric."""
    ctx = team_context_or_404(request)
    account = account_for_workspace_or_404(ctx.actor, public_id)
    form = AnalyticsRangeForm(request.GET, today=timezone.localdate())
    return ctx, account, form, top_metric(request.GET.get("metric"))


@login_required
def analytics_index(request):
    """The Analytics section of the menu: the workspace's accounts, each a link to its page."""
    ctx = team_context_or_404(request, "workspace.read")
    accounts = ctx.actor.filter_accounts(PinterestAccount.objects.for_workspace(ctx.workspace))
    return render_page(request, "publishing/accounts/analytics_index.html", {"ctx": ctx, "accounts": accounts})


@login_required
def account_analytics(request, public_id):
    ctx, account, form, metric = _read(request, public_id)
    date_range = form.date_range()
    return _page(request, ctx, account, form, metric,
                 account_report(account, date_range, top_metric=metric) if date_range else None)


@login_required
def account_analytics_csv(request, public_id, what: str):
    """``what``: "daily" (each day's figures) or "top-pins" (the top pins of the range)."""
    ctx, account, form, metric = _read(request, public_id)
    date_range = form.date_range()
    if date_range is None:  # the page, with the form's errors
        return _page(request, ctx, account, form, metric, None, status=400)
    report = account_report(account, date_range, top_metric=metric, top_limit=TOP_PINS_CSV)
    rows = daily_csv_rows(report) if what == "daily" else top_pins_csv_rows(report)
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{csv_filename(account, date_range, "analytics" if what == "daily" else "top-pins")}"')
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
