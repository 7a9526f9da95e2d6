"""Tests that need a service say so with a marker, and CI never lets one skip silently.

- ``@pytest.mark.postgres``: needs the test database to be PostgreSQL (row locks, its SQL).
- ``@pytest.mark.redis``: needs Redis on ``127.0.0.1:6379`` (the databases each worker uses: tests/parallel.py).

Locally such a test is skipped, with the reason, when the service is missing. When
``PINBOARD_REQUIRE_SERVICES`` is set (``.ci/run`` sets it) a skipped service test fails the run:
its node id is printed and the exit status is 1, so a CI machine without the service cannot
report green while proving nothing.
"""

from __future__ import annotations

import os
from functools import cache

import pytest

SERVICE_MARKERS = ("postgres", "redis")
REDIS_PROBE_URL = "redis://127.0.0.1:6379/5"

_skipped_service_tests: list[str] = []


@cache
def redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_PROBE_URL, socket_connect_timeout=1).ping())
    except Exception:  # any failure means "not here"
        return False


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres"):
        from django.db import connection

        if connection.vendor != "postgresql":
            pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://...")
    if item.get_closest_marker("redis") and not redis_reachable():
        pytest.skip("needs Redis on 127.0.0.1:6379")


def pytest_runtest_logreport(report):
    if report.skipped and any(marker in report.keywords for marker in SERVICE_MARKERS):
        _skipped_service_tests.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("PINBOARD_REQUIRE_SERVICES") and _skipped_service_tests:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if os.environ.get("PINBOARD_REQUIRE_SERVICES") and _skipped_service_tests:
        terminalreporter.section("service tests skipped (PINBOARD_REQUIRE_SERVICES is set)", red=True)
        for nodeid in _skipped_service_tests:
            terminalreporter.line(f"SKIPPED, NOT ALLOWED HERE: {nodeid}", red=True)
