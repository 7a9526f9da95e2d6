"""The pipeline fixtures: see tests/pipeline_fixtures.py; and a stopped clock."""

import pytest
import time_machine
from django.utils import timezone

from tests.pipeline_fixtures import *  # noqa: F403


@pytest.fixture
def frozen_clock():
    """Time stands still: a wait the service computed is compared with the same "now", however long
    the machine takes between the call and the assertion."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller
