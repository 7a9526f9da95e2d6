"""A seeded engagement pattern for the best-times tests (services, dashboard, API).

Six weeks of pins in Europe/Paris: every week one pin on Tuesday 19:00 (the planted best hour:
30 saves in its first 7 days) and one on each of Mon 09:00, Wed 12:00, Thu 19:00, Fri 08:00 and
Sat 10:00 (10 saves each), except that one Monday 09:00 pin went viral (1000 saves). Each pin
also has a day *after* its window with 500 saves, which must not count. Besides those 36 pins:
two pins younger than 7 days (huge saves, excluded: their window is not over) and one Tuesday
19:00 pin with only 6 days of figures (excluded: incomplete window).

With the rules of publishing.services.best_times: 36 pins count, capped at their 90th percentile
(the 33rd of 36 values: 30), so the capped average is (6×30 + 29×10 + 1×30) / 36 = 13.89 saves; Tue
19:00: (6×30 + 5×13.89) / (6 + 5) = 22.68, 1.63× the average; Mon 09:00 (the viral pin capped):
(5×10 + 30 + 5×13.89) / 11 = 13.59, 0.98×; the others 0.85×. Only Tue 19:00 is suggested.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from publishing.models import Pin, PinDailyMetric, PinStatus, PinterestAccount

PARIS = ZoneInfo("Europe/Paris")
# "Now" for each season: the planted hour, 19:00 in Paris, is 18:00 UTC in winter, 17:00 in summer.
NOW = {"winter": datetime(2027, 2, 3, 12, 0, tzinfo=UTC), "summer": datetime(2027, 8, 4, 12, 0, tzinfo=UTC)}
FIRST_MONDAY = {"winter": date(2026, 12, 7), "summer": date(2027, 6, 7)}
PLANTED = (1, 19)  # Tuesday 19:00
ORDINARY = [(0, 9), (2, 12), (3, 19), (4, 8), (5, 10)]
WINDOW_SPLIT = {30: [10, 5, 5, 4, 3, 2, 1], 10: [4, 2, 1, 1, 1, 1, 0], 1000: [700, 200, 50, 20, 20, 5, 5]}


def local(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=PARIS).astimezone(UTC)


def publish(account: PinterestAccount, at: datetime, saves_by_day: list[int | None], *, n: int) -> Pin:
    """A published pin with one PinDailyMetric row per given day from its UTC publication day on
    (None: no row for that day)."""
    pin = Pin.objects.create(workspace=account.workspace, account=account, idempotency_key=f"seed-{n}",
                             payload_fingerprint="x", board_id="900000000000000001", title=f"Seed {n}",
                             status=PinStatus.PUBLISHED, published_at=at, pinterest_pin_id=f"77{n:08d}")
    first = at.astimezone(UTC).date()
    rows = [PinDailyMetric(pin=pin, account=account, date=first + timedelta(days=offset), saves=saves,
                           impressions=saves * 20, outbound_clicks=saves // 5, data_status="READY",
                           collected_at=timezone.now())
            for offset, saves in enumerate(saves_by_day) if saves is not None]
    PinDailyMetric.objects.bulk_create(rows)
    return pin


def seed_pattern(account: PinterestAccount, season: str = "winter", *, weeks: int = 6) -> list[Pin]:
    """The pattern above (``weeks`` weeks of it); returns the planted hour's pins."""
    n = 0
    planted = []
    for week in range(weeks):
        monday = FIRST_MONDAY[season] + timedelta(weeks=week)
        for weekday, hour in [PLANTED, *ORDINARY]:
            total = 30 if (weekday, hour) == PLANTED else 10
            if (weekday, hour) == (0, 9) and week == 2:
                total = 1000
            n += 1
            pin = publish(account, local(monday + timedelta(days=weekday), hour), [*WINDOW_SPLIT[total], 500], n=n)
            if (weekday, hour) == PLANTED:
                planted.append(pin)
    now = NOW[season]
    publish(account, now - timedelta(days=2), [900, 900], n=n + 1)  # too young
    publish(account, now - timedelta(days=5), [900, 900, 900, 900, 900], n=n + 2)  # too young
    incomplete = FIRST_MONDAY[season] + timedelta(weeks=weeks - 1, days=1)
    publish(account, local(incomplete, 19) + timedelta(minutes=20), [1000, None, 1000, 1000, 1000, 1000, 1000],
            n=n + 3)
    return planted
