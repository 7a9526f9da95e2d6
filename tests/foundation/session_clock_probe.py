"""Run only by test_session_clock.py, in a pytest of its own started with ``PINBOARD_TEST_CLOCK``
(the name does not match ``test_*.py``, so the suite never collects it): each test checks that its
process and a Python child it starts both read the run's clock."""

import os
import subprocess
import sys
import time
from datetime import datetime

import pytest


@pytest.mark.parametrize("case", range(4))  # enough for every worker of a `-n 2` run to get some
def test_this_process_and_its_children_read_the_runs_clock(case):
    wanted = datetime.fromisoformat(os.environ["PINBOARD_TEST_CLOCK"]).timestamp()
    child = float(subprocess.run([sys.executable, "-c", "import time; print(time.time())"],
                                 capture_output=True, text=True, check=True, timeout=60).stdout)
    # The run started at the wanted instant and moves on from there (a minute covers a slow start).
    assert 0 <= time.time() - wanted < 60, (os.environ.get("PYTEST_XDIST_WORKER"), time.time() - wanted)
    assert abs(child - time.time()) < 5, (os.environ.get("PYTEST_XDIST_WORKER"), child - time.time())
