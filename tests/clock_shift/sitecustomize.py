"""Shifts the clock of every Python process the test suite starts while ``PINBOARD_TEST_CLOCK``
is set (tests/conftest.py puts this folder first on ``PYTHONPATH`` and exports the offset):
django-q2 clusters, gunicorn, ``manage.py serve`` then agree with the test process on what
"now" is. time-machine patches this process's clocks; forked children (the cluster's workers)
inherit the patch, spawned ones import this module again. Monotonic clocks are left alone.
Never active outside that test run: without the variable this module does nothing."""

import os

_offset = os.environ.get("PINBOARD_TEST_CLOCK_OFFSET")
if _offset:
    import time

    import time_machine

    time_machine.travel(time.time() + float(_offset), tick=True).start()
