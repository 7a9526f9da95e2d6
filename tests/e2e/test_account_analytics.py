"""An account's analytics page in Chromium at 1280 px and 390 px: the seeded figures drawn as one SVG
chart per metric (bars inside the chart's box), nothing wider than the window, no WCAG 2.2 AA violation
(axe) and no Content-Security-Policy violation; the range picker's preset and custom dates swapped in by
htmx (with the inline error for a reversed range). Screenshots: test-artifacts/analytics-1280.png and
test-artifacts/analytics-390.png."""

from datetime import timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from tests.analytics_seed import record_run, seed_account_days, seed_pins
from tests.e2e.test_content_security_policy import watch
from tests.e2e.test_every_device import overflow, widest
from tests.e2e.tour import LONG_TITLE, WCAG_AA

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


def test_the_analytics_page_draws_the_seeded_figures_at_desktop_and_phone_width(
        cast, workspace, offline_account, offline_board, browser_as):
    today = timezone.localdate(timezone=workspace.zone)
    first = today - timedelta(days=29)
    seed_account_days(offline_account, first, 30)  # the last 30 days, one (the 4th) without figures
    seed_pins(offline_account, offline_board, first, 30, 3, titles=[LONG_TITLE, "Oak stool", "Brass lamp"])
    record_run(offline_account)
    page = browser_as(cast.viewer)
    violations = watch(page)  # the Content-Security-Policy: no inline style or script on the page or its swaps
    ARTIFACTS.mkdir(exist_ok=True)
    axe = Axe()
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900 if width == 1280 else 844})
        page.goto(f"/app/accounts/{offline_account.public_id}/analytics")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Analytics")
        # 29 days with figures: impressions 100 + 10n and n = 0..29 except 3.
        expect(page.locator(".analytics-totals")).to_contain_text(f"{sum(100 + 10 * n for n in range(30) if n != 3):,}")
        charts = page.get_by_role("img", name="per day")
        expect(charts).to_have_count(4)
        for index, bar_count in enumerate([29, 29, 28, 28]):  # a day's 0 draws no bar (day 0's clicks)
            chart = charts.nth(index)
            box = chart.bounding_box()
            assert box is not None and box["width"] > 250 and box["height"] > 100, box
            assert box["x"] + box["width"] <= width, box
            bars = chart.locator(".chart-bars rect")
            expect(bars).to_have_count(bar_count)
            tallest = max(bar.bounding_box()["height"] for bar in bars.all())
            assert tallest > box["height"] * 0.4, (tallest, box)  # the highest figure fills most of the plot
        expect(page.get_by_role("link", name=LONG_TITLE)).to_be_visible()
        assert overflow(page) <= 0, f"{overflow(page) + width} px wide at {width} px: {widest(page)}"
        violations.extend(page.evaluate("window.__csp"))
        assert not violations, violations
        results = axe.run(page, options=WCAG_AA)  # axe leaves style attributes behind: CSP is checked before
        assert not results.violations_count, results.generate_report()
        page.screenshot(path=str(ARTIFACTS / f"analytics-{width}.png"), full_page=True)
    # The range picker: a preset, then custom dates (swapped in by htmx, and the address follows).
    page.goto(f"/app/accounts/{offline_account.public_id}/analytics")
    violations.clear()
    page.get_by_role("link", name="Last 7 days").click()
    expect(page.get_by_role("heading", level=2, name="(7 days)")).to_be_visible()
    expect(page.get_by_role("img", name="per day").first.locator(".chart-bars rect")).to_have_count(7)
    page.get_by_label("From", exact=True).fill(f"{today:%Y-%m-%d}")
    page.get_by_label("To", exact=True).fill(f"{first:%Y-%m-%d}")
    page.get_by_role("button", name="Show these dates").click()
    expect(page.get_by_role("alert").filter(has_text="The end must be on or after the start.")).to_be_visible()
    assert "start=" in page.url
    violations.extend(page.evaluate("window.__csp"))
    assert not violations, violations
