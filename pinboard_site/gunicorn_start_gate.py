"""gunicorn settings ``manage.py serve`` adds (``--preload --config python:pinboard_site.gunicorn_start_gate``).

With ``--preload`` the master imports Pinboard once and forks its workers with it loaded. Then,
before it opens the listening socket, ``on_starting`` also loads the URLconf (Django would load it
on each worker's first request) and waits at the start gate: the read end of a pipe whose number
serve passes in PINBOARD_START_GATE_FD. Serve writes one byte once the database is ready (``manage.py
up`` migrates and seeds it meanwhile); if serve closes the pipe without it, or dies, the web stops
instead of serving a database that is not ready. Without the variable there is no gate.
"""

import os


def on_starting(server):
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imported here, once, for every worker forked after
    gate = os.environ.get("PINBOARD_START_GATE_FD")
    if gate is None:
        return
    with os.fdopen(int(gate), "rb") as pipe:
        if pipe.read(1) != b"1":
            raise SystemExit("manage.py serve stopped before the database was ready; not serving")
