"""What each pytest-xdist worker owns, so that `make test` can run the suite on several cores.

Each worker is a process of its own (``PYTEST_XDIST_WORKER`` is ``gw0``, ``gw1``, ...). pytest-django
gives each its own test database (``test_<name>_gw0``, ...), and ``tests/settings.py`` its own
``PINBOARD_VAR_DIR`` (the SQLite file, media). Redis has no such suffix: tests that flush or fill a
Redis database name it through ``worker_redis_url``, which gives every worker databases of its own.
A run without ``-n`` is worker 0 and uses the databases the suite always used. A run on the Redis
broker (``REDIS_URL``) is refused more than one worker (a plugin: tests/conftest.py).
"""

from __future__ import annotations

import os

import pytest

# The suite's Redis databases (6: caches and pacing; 7: the production topology; 14: operations) and,
# for each further worker, the ones it uses instead. Redis has 16; 5 is the CI broker pass, 8 the bench.
_REDIS_DATABASES = {6: (6, 9, 12), 7: (7, 10, 13), 14: (14, 11, 15)}
MAX_WORKERS = 3


def worker_index() -> int:
    """0 outside xdist and in gw0; n in gwN."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker.removeprefix("gw"))
    if index >= MAX_WORKERS:
        raise RuntimeError(f"the suite runs on at most {MAX_WORKERS} workers (one Redis has too few databases "
                           f"for more): use `pytest -n {MAX_WORKERS}` or fewer")
    return index


def worker_redis_url(database: int) -> str:
    """``redis://127.0.0.1:6379/<n>`` for this worker's copy of the suite's database ``database``."""
    return f"redis://127.0.0.1:6379/{_REDIS_DATABASES[database][worker_index()]}"


def pytest_configure(config):
    """The Redis broker (``REDIS_URL``, CI's second pass) is one queue that clusters name alike: the
    clusters of two workers would take each other's jobs to the wrong test database."""
    workers = getattr(config.option, "numprocesses", None) or 0
    if os.environ.get("REDIS_URL") and workers > 1:
        raise pytest.UsageError("REDIS_URL (the Redis broker) runs on one process: use TEST_WORKERS=1 or no -n")
