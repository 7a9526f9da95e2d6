"""Run the web server and the django-q2 worker together; SIGINT/SIGTERM stops both.

Each child runs in its own process group, so stopping one stops everything it spawned
(gunicorn's workers, the cluster's worker processes).
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Pinboard on 127.0.0.1:PORT with a django-q2 worker beside it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=settings.PORT)
        parser.add_argument("--no-worker", action="store_true", help="Serve the web only.")

    def handle(self, *args, **options):
        python = sys.executable
        manage = os.path.join(settings.BASE_DIR, "manage.py")
        commands = {
            "web": [
                python, "-m", "gunicorn", "pinboard_site.wsgi:application",
                "--bind", f"{options['host']}:{options['port']}",
                "--worker-class", "gthread", "--threads", "8", "--workers", "2",
                "--access-logfile", "-", "--graceful-timeout", "10",
            ],
        }
        if not options["no_worker"]:
            commands["worker"] = [python, manage, "qcluster"]

        children = {name: subprocess.Popen(cmd, start_new_session=True) for name, cmd in commands.items()}
        self.stdout.write(f"Pinboard is at http://{options['host']}:{options['port']}/ (Ctrl-C stops it)")

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    self.stderr.write(f"{name} exited with {child.returncode}; stopping the rest")
                    exit_code = child.returncode or 1
                    stopping = True
            time.sleep(0.3)
        self.shutdown(children)
        if exit_code:
            sys.exit(exit_code)

    def shutdown(self, children):
        for child in children.values():
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
