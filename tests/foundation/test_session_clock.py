"""``PINBOARD_TEST_CLOCK`` runs the whole suite at a given instant (tests/conftest.py), also on
several processes as `make test` runs it: the workers, and the processes they start, all read it."""

import os
import subprocess
import sys

import pytest
from django.conf import settings


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one process", "two workers"])
def test_a_run_at_a_set_clock_shifts_every_process_it_starts(workers, tmp_path):
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PINBOARD_TEST_CLOCK", "PYTEST_", "PINBOARD_VAR_DIR"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'unused.sqlite3'}"  # never this run's test database
    env["PINBOARD_TEST_CLOCK"] = "2026-03-29T00:30:00+00:00"  # a day Europe moves its clocks
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *workers,
         "tests/foundation/session_clock_probe.py"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "4 passed" in run.stdout, run.stdout[-3000:]
