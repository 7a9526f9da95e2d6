"""An account's analytics page (publishing/views/analytics.py) and a pin's own chart: the stored figures
of the range, its dates in the team's time zone, totals, an SVG chart per metric with its figures for
screen readers, top pins linking to their pages, the last collection, "No analytics collected yet"
without invented figures, inline errors for bad dates (never a 500), CSV export, access for every
member of the team only, and a constant number of queries whatever the range and the pins."""

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
import time_machine

from publishing.models import AnalyticsCollectionRun, PinDailyMetric, PinStatus, PinterestAccount
from tests.analytics_seed import record_run, seed_account_days, seed_pins
from tests.web.helpers import bulk_pins, queries_to_render

NOW = datetime(2027, 2, 3, 3, 0, tzinfo=UTC)  # 4:00 on 3 Feb in Paris, 19:00 on 2 Feb in Los Angeles
FIRST = date(2027, 1, 20)  # the seeded days: 20 Jan to 3 Feb (15 days; 23 Jan has no figures)


@pytest.fixture
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def seeded(offline_account, offline_board, frozen_clock):
    seed_account_days(offline_account, FIRST, 15)
    pins = seed_pins(offline_account, offline_board, FIRST, 15, 3, titles=["Oak stool", "Red chair", "Brass lamp"])
    record_run(offline_account)
    return pins


def url(account, query: str = "") -> str:
    return f"/app/accounts/{account.public_id}/analytics" + (f"?{query}" if query else "")


def test_the_last_7_days_end_on_the_teams_today_with_totals_charts_and_top_pins(cast, login, workspace,
                                                                               offline_account, seeded):
    workspace.timezone = "America/Los_Angeles"  # still 2 Feb there: 3 Feb's figures are not in "the last 7 days"
    workspace.save()
    page = login(cast.viewer).get(url(offline_account, "days=7"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "27 Jan 2027 to 2 Feb 2027" in html and "(7 days)" in html
    assert "America/Los_Angeles" in html
    # 27 Jan is day 7 of the seed: impressions 100 + 10n and saves 5 + n for n = 7..13.
    totals = dict(re.findall(r"<dt>([A-Za-z ]+)</dt><dd>([\d,—]+)</dd>", html))
    assert totals == {"Impressions": "1,400", "Saves": "105", "Pin clicks": "140", "Outbound clicks": "70"}
    # One chart per metric, each an SVG image with a name, a description and one bar per day with a figure.
    charts = re.findall(r'<svg viewBox="0 0 400 180"[^>]*role="img"[^>]*aria-label="([^"]+)"', html)
    assert charts == [f"{name} per day, 27 Jan 2027 to 2 Feb 2027"
                      for name in ("Impressions", "Saves", "Pin clicks", "Outbound clicks")]
    assert "Total 1,400 over 7 days with figures; highest 230 on 2 Feb." in html
    impressions_svg = html.split('id="chart-impression"')[1].split("</svg>")[0]
    assert impressions_svg.count("<rect") == 7
    assert "<title>Tue 2 Feb: 230</title>" in impressions_svg
    # The same figures as a table, for screen readers and readers without CSS.
    assert '<th scope="row"><time datetime="2027-01-27">Wed 27 Jan 2027</time></th><td>170</td>' in html
    # Top pins by impressions over the 7 days, linked to their pages.
    top = re.findall(r'<a href="/app/pins/([0-9a-f-]{36})/">([^<]+)</a></td>\s*'
                     r'<td data-label="Impressions">([\d,]+)</td>', html)
    assert [(title, figure) for _id, title, figure in top] == [("Brass lamp", "2,100"), ("Red chair", "1,400"),
                                                               ("Oak stool", "700")]
    assert top[0][0] == str(seeded[2].public_id)
    assert "Figures last collected" in html and "<strong>succeeded</strong>" in html


def test_the_same_page_in_paris_includes_the_3rd_and_a_custom_range_keeps_its_gap(cast, login, offline_account,
                                                                                  seeded):
    client = login(cast.editor)
    html = client.get(url(offline_account, "days=7")).content.decode()
    assert "28 Jan 2027 to 3 Feb 2027" in html and "<dt>Impressions</dt><dd>1,470</dd>" in html
    custom = client.get(url(offline_account, "start=2027-01-21&end=2027-01-25")).content.decode()
    assert "21 Jan 2027 to 25 Jan 2027" in custom
    # 23 Jan has no row: no bar, a dash in the table, said in the description; nothing invented.
    assert "; 1 day without figures." in custom
    assert custom.split('id="chart-impression"')[1].split("</svg>")[0].count("<rect") == 4
    assert '<time datetime="2027-01-23">Sat 23 Jan 2027</time></th><td>—</td><td>—</td><td>—</td><td>—</td>' \
           '<td>no figures</td>' in custom


def test_top_pins_are_ranked_by_the_chosen_metric(cast, login, offline_account, offline_board, seeded):
    PinDailyMetric.objects.filter(pin=seeded[0]).update(saves=50)
    html = login(cast.viewer).get(url(offline_account, "days=30&metric=save")).content.decode()
    assert re.findall(r'<a href="/app/pins/[0-9a-f-]{36}/">([^<]+)</a>', html) == ["Oak stool", "Brass lamp",
                                                                                  "Red chair"]
    assert 'aria-current="true">Saves</a>' in html
    # An unknown metric falls back to impressions rather than failing.
    assert login(cast.viewer).get(url(offline_account, "metric=%00drop")).status_code == 200


def test_an_account_with_nothing_collected_says_so_and_shows_no_figures(cast, login, offline_account, frozen_clock):
    html = login(cast.viewer).get(url(offline_account)).content.decode()
    assert "No analytics collected yet." in html
    assert "chart-svg" not in html and "<dd>0</dd>" not in html and "Top pins" not in html
    record_run(offline_account, outcome=AnalyticsCollectionRun.Outcome.FAILED, error="Pinterest answered 503.")
    html = login(cast.viewer).get(url(offline_account)).content.decode()
    assert "No analytics collected yet: the last collection failed (Pinterest answered 503.)" in html


BAD_RANGES = {
    "start=0000-01-01&end=2027-01-10": ("start", "Enter a valid date."),
    "start=2027-01-01&end=10000-01-01": ("end", "Enter a valid date."),
    "start=2027-01-20&end=2027-01-10": ("end", "The end must be on or after the start."),
    "start=2025-01-01&end=2027-01-10": ("end", "A range can span at most 366 days; this one spans 740."),
    "start=2026-02-02&end=2027-02-03": ("end", "A range can span at most 366 days; this one spans 367."),
    "start=2027-01-01": ("end", "Give both dates, or pick one of the presets."),
    "start=1999-12-31&end=2000-01-02": ("start", "Pick a date from 1 Jan 2010 on."),
    "start=2027-02-01&end=2027-02-04": ("end", "Pick a date up to today, 3 Feb 2027."),
    "start=2027-02-30&end=2027-03-01": ("start", "Enter a valid date."),
    "start=%00&end=2027-01-02": ("start", "Enter a valid date."),
    "days=12": ("days", "Select a valid choice. 12 is not one of the available choices."),
}


@pytest.mark.parametrize("query", list(BAD_RANGES))
def test_bad_dates_are_inline_errors_on_the_range_form(cast, login, offline_account, seeded, query):
    field, message = BAD_RANGES[query]
    client = login(cast.viewer)
    page = client.get(url(offline_account, query))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'role="alert">{message}</span>' in html or f'role="alert">{message}</p>' in html
    if field != "days":
        assert re.search(rf'<input type="date" name="{field}"[^>]*aria-invalid="true"', html)
    assert "chart-svg" not in html  # no figures for a range that was not understood
    fragment = client.get(url(offline_account, query), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    assert client.get(f"/app/accounts/{offline_account.public_id}/analytics.csv?{query}").status_code == 400


def test_every_member_sees_it_and_another_teams_account_is_a_404(cast, login, offline_account, seeded):
    for role in ("admin", "manager", "editor", "viewer"):
        assert login(cast.by_role(role)).get(url(offline_account)).status_code == 200, role
    outsider = login(cast.outsider)
    assert outsider.get(url(offline_account)).status_code == 404
    assert outsider.get(f"/app/accounts/{offline_account.public_id}/analytics.csv").status_code == 404
    theirs = PinterestAccount.objects.create(workspace=cast.other_team.workspaces.first(), username="globex",
                                             pinterest_user_id="1000000000000000999", access_token="pina_x",
                                             connected_by=cast.outsider)
    assert login(cast.admin).get(url(theirs)).status_code == 404


def test_the_accounts_page_and_the_analytics_section_link_to_each_accounts_analytics(cast, login, offline_account):
    client = login(cast.viewer)
    for page in ("/app/accounts/", "/app/analytics/"):
        assert f'href="/app/accounts/{offline_account.public_id}/analytics"' in client.get(page).content.decode()
    offline_account.revoked_at = offline_account.created_at
    offline_account.save()
    assert "No Pinterest account is connected yet" in client.get("/app/analytics/").content.decode()


def test_the_daily_csv_is_streamed_with_every_day_and_safe_cells(cast, login, offline_account, seeded):
    response = login(cast.viewer).get(f"/app/accounts/{offline_account.public_id}/analytics.csv?"
                                      "start=2027-01-22&end=2027-01-24")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == \
        'attachment; filename="pinboard-analytics-acme_offline-2027-01-22-to-2027-01-24.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows == [["date", "impressions", "saves", "pin_clicks", "outbound_clicks", "data_status"],
                    ["2027-01-22", "120", "7", "4", "2", "READY"],
                    ["2027-01-23", "", "", "", "", ""],
                    ["2027-01-24", "140", "9", "8", "4", "READY"]]


def test_the_top_pins_csv_defuses_formulas_in_titles(cast, login, offline_account, seeded):
    seeded[2].title = '=HYPERLINK("https://evil.example","click")'
    seeded[2].save(update_fields=["title"])
    seeded[1].title = "@SUM(1+1)"
    seeded[1].save(update_fields=["title"])
    response = login(cast.viewer).get(f"/app/accounts/{offline_account.public_id}/analytics-top-pins.csv?days=7")
    assert response["Content-Disposition"].startswith('attachment; filename="pinboard-top-pins-acme_offline-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["pin_id", "title", "impressions", "saves", "pin_clicks", "outbound_clicks", "video_views"]
    assert rows[1][:4] == [str(seeded[2].public_id), "'=HYPERLINK(\"https://evil.example\",\"click\")", "2100", "21"]
    assert rows[2][1] == "'@SUM(1+1)" and rows[3][1] == "Oak stool"
    assert rows[1][6] == ""  # no video views reported: empty, not 0


def test_the_page_reads_a_constant_number_of_queries_whatever_the_range_and_the_pins(
        cast, login, offline_account, offline_board, frozen_clock):
    client = login(cast.viewer)
    seed_account_days(offline_account, date(2026, 2, 1), 5)
    seed_pins(offline_account, offline_board, date(2027, 2, 1), 2, 2)
    record_run(offline_account)
    small = queries_to_render(client, url(offline_account, "days=7"))
    seed_account_days(offline_account, date(2026, 2, 10), 350)
    seed_pins(offline_account, offline_board, date(2026, 3, 1), 300, 40)
    large = queries_to_render(client, url(offline_account, "start=2026-02-03&end=2027-02-03"))
    assert large == small, (small, large)
    assert small <= 12, small


def test_a_pins_page_shows_its_own_chart_and_totals(cast, login, offline_account, offline_board, seeded):
    html = login(cast.viewer).get(f"/app/pins/{seeded[1].public_id}/").content.decode()
    # Its 15 stored days (20 Jan to 3 Feb), with their totals.
    assert "Pinterest figures" in html and "20 Jan to 3 Feb 2027" in html
    assert "<dt>Impressions</dt><dd>3,000</dd>" in html and "<dt>Saves</dt><dd>30</dd>" in html
    assert "<dt>Video views</dt>" not in html  # not a video pin: Pinterest reports none
    assert re.findall(r'aria-label="([^"]+)"', html.split('id="pin-analytics"')[1])[:2] == [
        "Impressions per day, 20 Jan 2027 to 3 Feb 2027", "Saves per day, 20 Jan 2027 to 3 Feb 2027"]
    # A pin with more than 30 days stored shows its last 30.
    PinDailyMetric.objects.create(pin=seeded[1], account=offline_account, date=date(2026, 12, 1), impressions=9,
                                  collected_at=NOW)
    html = login(cast.viewer).get(f"/app/pins/{seeded[1].public_id}/").content.decode()
    assert "5 Jan to 3 Feb 2027" in html and "<dt>Impressions</dt><dd>3,000</dd>" in html
    assert f'href="/app/accounts/{offline_account.public_id}/analytics"' in html
    unmeasured = bulk_pins(offline_account.workspace, offline_account, offline_board, 1, status=PinStatus.PUBLISHED)[0]
    html = login(cast.viewer).get(f"/app/pins/{unmeasured.public_id}/").content.decode()
    assert "No analytics collected for this pin yet." in html and "chart-svg" not in html
