"""Best times, learned (publishing/services/best_times.py): a seeded engagement pattern finds its
planted hour with the right evidence, in winter and in summer (the workspace's zone, DST-correct);
one viral pin does not win; young and incomplete pins are left out; a new account gets "not
enough data" and what is missing; applying adds slots once, keeps the others, and only for those
who may edit the slots. The clock is frozen at the seed's "now"."""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine

from publishing.access import AccessForbidden, Actor
from publishing.models import AuditEvent, PinterestAccount, PostingSlot
from publishing.services.best_times import NotEnoughData, best_times, best_times_apply
from publishing.services.errors import ValidationError
from publishing.services.posting_queue import posting_slots_set
from tests.best_times_seed import NOW, publish, seed_pattern


@pytest.fixture
def admin(cast, workspace) -> Actor:
    return Actor.for_user(cast.admin, workspace)


@pytest.fixture
def frozen_clock(request):
    """The seed's "now" for the season (``winter`` unless the test says otherwise), standing still."""
    season = getattr(request, "param", "winter")
    with time_machine.travel(NOW[season], tick=False):
        yield season


@pytest.mark.parametrize("frozen_clock", ["winter", "summer"], indirect=True)
def test_the_planted_hour_is_found_with_its_evidence(admin, offline_account, frozen_clock,
                                                     django_assert_max_num_queries):
    planted = seed_pattern(offline_account, frozen_clock)
    utc_hour = {"winter": 18, "summer": 17}[frozen_clock]
    assert {pin.published_at.astimezone(UTC).hour for pin in planted} == {utc_hour}, "19:00 in Paris"
    account = PinterestAccount.objects.get(pk=offline_account.pk)
    with django_assert_max_num_queries(3):
        found = best_times(actor=admin, account=account)
    assert found.enough_data and found.missing == ""
    assert (found.pins_counted, found.pins_too_young, found.pins_without_figures) == (36, 2, 1)
    assert found.account_average == 13.89 and found.time_zone == "Europe/Paris"
    assert [(s.weekday, s.hour, s.pins, s.average, s.lift) for s in found.suggestions] == [(1, 19, 6, 22.68, 1.63)]
    assert found.suggestions[0].evidence == "Tue 19:00: 1.6× the average saves over 8 weeks (6 pins)"
    assert found.summary == found.suggestions[0].evidence


def test_another_metric_ranks_by_its_own_figures(admin, offline_account, frozen_clock):
    seed_pattern(offline_account)
    by_impressions = best_times(actor=admin, account=offline_account, metric="impression")
    assert by_impressions.metric_label == "impressions" and by_impressions.account_average == 277.78
    assert [(s.weekday, s.hour) for s in by_impressions.suggestions] == [(1, 19)]
    with pytest.raises(ValidationError) as refused:
        best_times(actor=admin, account=offline_account, metric="likes")
    assert refused.value.field == "metric"


def test_a_new_account_has_not_enough_data_and_says_what_is_missing(admin, offline_account, frozen_clock):
    found = best_times(actor=admin, account=offline_account)
    assert not found.enough_data and found.suggestions == [] and found.account_average is None
    assert found.missing == "0 of 20 pins with 7 days of figures in the last 8 weeks."
    assert found.summary.startswith("Not enough data yet: 0 of 20 pins")
    with pytest.raises(NotEnoughData):
        best_times_apply(actor=admin, account=offline_account)
    assert not PostingSlot.objects.exists()


def test_young_and_incomplete_pins_do_not_count_toward_the_minimum(admin, offline_account, frozen_clock):
    seed_pattern(offline_account, weeks=2)  # 12 complete pins, 2 young, 1 with a day missing
    found = best_times(actor=admin, account=offline_account)
    assert found.missing == ("12 of 20 pins with 7 days of figures in the last 8 weeks (2 published in the last 7 "
                             "days are still in their first 7 days; 1 without figures for every day).")
    assert found.suggestions == []


def test_pins_older_than_the_lookback_do_not_count(admin, offline_account, frozen_clock):
    for n in range(25):
        publish(offline_account, datetime(2026, 11, 20, 18, 0, tzinfo=UTC), [5] * 7, n=n)
    assert best_times(actor=admin, account=offline_account).pins_counted == 0


def test_applying_adds_the_suggested_slots_once_and_keeps_the_others(cast, workspace, admin, offline_account,
                                                                    frozen_clock):
    seed_pattern(offline_account)
    posting_slots_set(actor=admin, account=offline_account, slots=[{"weekday": 0, "time": "08:00"}])
    manager = Actor.for_user(cast.manager, workspace)
    applied = best_times_apply(actor=manager, account=offline_account)  # the issue: "a manager applies them"
    assert [(slot.weekday, slot.local_time) for slot in applied.added] == [(1, time(19))]
    assert applied.message == "Added 1 posting slot: Tue 19:00. The account's other slots are kept."
    slots = sorted(PostingSlot.objects.filter(account=offline_account).values_list("weekday", "local_time"))
    assert slots == [(0, time(8)), (1, time(19))]
    again = best_times_apply(actor=admin, account=offline_account)
    assert again.added == [] and again.message.startswith("Already a slot: Tue 19:00.")
    assert best_times(actor=admin, account=offline_account).suggestions[0].already_a_slot
    assert PostingSlot.objects.filter(account=offline_account).count() == 2
    assert AuditEvent.objects.filter(action="account.slots_added").count() == 1
    for role in ("editor", "viewer"):
        member = Actor.for_user(cast.by_role(role), workspace)
        assert best_times(actor=member, account=offline_account).suggestions, f"a {role} sees the suggestions"
        with pytest.raises(AccessForbidden):
            best_times_apply(actor=member, account=offline_account)
    assert PostingSlot.objects.filter(account=offline_account).count() == 2


def test_another_workspaces_account_is_hidden(cast, offline_account, frozen_clock):
    outsider = Actor.for_user(cast.outsider, cast.other_team.workspaces.first())
    with pytest.raises(Exception) as refused:
        best_times(actor=outsider, account=offline_account)
    assert getattr(refused.value, "status_hint", None) == 404


def test_an_hour_with_fewer_than_three_pins_is_never_suggested(admin, offline_account, frozen_clock):
    seed_pattern(offline_account)
    for n, day in enumerate((13, 20)):  # two strong Sundays at 21:00: promising, but two pins are not evidence
        publish(offline_account, datetime(2026, 12, day, 20, 0, tzinfo=UTC), [30, 0, 0, 0, 0, 0, 0], n=900 + n)
    found = best_times(actor=admin, account=offline_account)
    assert found.pins_counted == 38
    assert [(s.weekday, s.hour) for s in found.suggestions] == [(1, 19)]


def test_a_window_counts_only_once_pinterest_reports_its_days_final(admin, offline_account, frozen_clock):
    """A pin published 7 days ago has its window's last day (yesterday) stored as it stood when the
    daily run last asked: PROCESSING, part of the day. Counted, it would weigh with a partial figure;
    it counts once Pinterest reports that day READY (the next daily run asks for it again)."""
    from publishing.models import PinDailyMetric

    seed_pattern(offline_account, weeks=2)  # 12 complete pins, 2 young, 1 with a day missing
    pin = publish(offline_account, datetime(2027, 1, 27, 10, 0, tzinfo=UTC), [3] * 7, n=800)
    PinDailyMetric.objects.filter(pin=pin, date=datetime(2027, 2, 2).date()).update(data_status="PROCESSING")
    found = best_times(actor=admin, account=offline_account)
    assert (found.pins_counted, found.pins_without_figures) == (12, 2)
    PinDailyMetric.objects.filter(pin=pin).update(data_status="READY")
    assert best_times(actor=admin, account=offline_account).pins_counted == 13


@pytest.mark.parametrize(("planted_saves", "other_saves", "lift", "shown"), [
    (15, 8, 1.25, "1.3"),  # the exact lift is 1.2465...: the sentence follows the 1.25 shown, not "1.2"
    (14, 5, 1.45, "1.5"),  # 1.45 is the float 1.4499...: rounded halves up, not "1.4"
])
def test_the_evidence_reads_the_lift_it_is_shown_with(admin, offline_account, frozen_clock, planted_saves,
                                                      other_saves, lift, shown):
    """Three pins at Tue 19:00 and 17 ordinary ones: the evidence sentence's one-decimal figure is
    the lift (two decimals) rounded as a reader would, whatever the float underneath."""
    from tests.best_times_seed import FIRST_MONDAY, ORDINARY, PLANTED, local

    for week in range(3):
        publish(offline_account, local(FIRST_MONDAY["winter"] + timedelta(weeks=week, days=PLANTED[0]), PLANTED[1]),
                [planted_saves, 0, 0, 0, 0, 0, 0], n=week)
    for n in range(17):
        weekday, hour = ORDINARY[n % len(ORDINARY)]
        day = FIRST_MONDAY["winter"] + timedelta(weeks=n // len(ORDINARY), days=weekday)
        publish(offline_account, local(day, hour), [other_saves, 0, 0, 0, 0, 0, 0], n=100 + n)
    best = best_times(actor=admin, account=offline_account).suggestions[0]
    assert (best.weekday, best.hour, best.lift) == (*PLANTED, lift)
    assert best.evidence == f"Tue 19:00: {shown}× the average saves over 8 weeks (3 pins)"
