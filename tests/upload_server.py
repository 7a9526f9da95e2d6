"""A Pinboard web server in a process of its own, for measuring what an upload costs it in memory.

    python -m tests.upload_server PORT MODE

The environment selects the settings and the database (as for a test cluster:
``DJANGO_SETTINGS_MODULE=tests.settings``, ``PINBOARD_TEST_DATABASE_NAME``, ``MEDIA_ROOT``).
MODE:

- ``streamed``: the product as it is;
- ``whole`` (the control arm): Django keeps every uploaded file in memory, whole, before the view
  sees it, as ``FILE_UPLOAD_MAX_MEMORY_SIZE`` set too high (or a view reading ``request.body``)
  would. A bound that this arm does not break proves nothing.

The test reads the process's resident set from ``/proc/<pid>/status`` (peak: ``VmHWM``, reset by
writing 5 to ``/proc/<pid>/clear_refs``): unlike tracemalloc it counts what Pillow, OpenSSL,
hashlib and the kernel's page cache mappings of this process hold, not only Python objects.
"""

import sys

import django


def main(port: int, mode: str) -> None:
    django.setup()
    from django.conf import settings  # only after django.setup()
    from django.core.servers.basehttp import run
    from django.core.wsgi import get_wsgi_application

    if mode == "whole":
        settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1 << 40
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = None
    elif mode != "streamed":
        raise SystemExit(f"unknown mode {mode!r}")
    run("127.0.0.1", port, get_wsgi_application(), threading=False)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
