"""The periodic sweeper deletes OAuth round trips that expired more than a day ago."""

from datetime import timedelta

import pytest
from django.utils import timezone

from publishing.models import OAuthState
from publishing.services.operations import PERIODIC_TASKS
from publishing.tasks import sweep_pins

pytestmark = pytest.mark.django_db


def test_the_sweeper_deletes_oauth_states_expired_for_more_than_a_day(workspace, cast):
    now = timezone.now()
    ages = {"pending": timedelta(minutes=-10), "just expired": timedelta(hours=1),
            "expired almost a day": timedelta(hours=23), "expired over a day": timedelta(days=1, minutes=1),
            "expired long ago": timedelta(days=30)}
    for name, expired_for in ages.items():
        OAuthState.objects.create(state=name, workspace=workspace, user=cast.admin, expires_at=now - expired_for)
    assert "publishing.tasks.sweep_pins" in {task.func for task in PERIODIC_TASKS}  # it runs every minute
    assert sweep_pins()["oauth_states_deleted"] == 2
    assert set(OAuthState.objects.values_list("state", flat=True)) == {"pending", "just expired",
                                                                      "expired almost a day"}
