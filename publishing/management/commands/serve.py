"""Run the web server and the django-q2 clusters together; SIGINT/SIGTERM stops them all.

Three children: the web (gunicorn), the publishing cluster and the media cluster (video uploads,
its own queue). Each runs in its own process group, so stopping one stops everything it spawned
(gunicorn's workers, a cluster's worker processes). A cluster that exits is started again (the
web keeps serving); the web exiting stops everything, since there is nothing left to serve.

The web starts first and imports Pinboard (once, before forking its workers) while this process
runs the system checks (and, in ``manage.py up``, migrates and seeds): on two cores the two boots
overlap. It listens only once that is done (``pinboard_site/gunicorn_start_gate.py``); then the
clusters start, since they need a migrated database.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connections
from django_q.conf import Conf


class Command(BaseCommand):
    help = "Serve Pinboard on 127.0.0.1:PORT with the publishing and media django-q2 clusters beside it."
    # Run by prepare(), while the web boots, instead of before anything starts.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=settings.PORT)
        parser.add_argument("--no-worker", action="store_true", help="Serve the web only.")
        parser.add_argument("--restart-delay", type=float, default=2.0,
                            help="Seconds before a cluster that exited is started again.")

    def handle(self, *args, **options):
        python = sys.executable
        manage = os.path.join(settings.BASE_DIR, "manage.py")
        commands = {
            "web": [
                python, "-m", "gunicorn", "pinboard_site.wsgi:application",
                "--bind", f"{options['host']}:{options['port']}",
                "--worker-class", "gthread", "--threads", "8", "--workers", "2",
                "--access-logfile", "-", "--graceful-timeout", "10",
                # Credentials in URLs (OAuth code/state, invitation and reset tokens) never reach the log.
                "--logger-class", "pinboard_site.gunicorn_logging.RedactingLogger",
                # Import once in gunicorn's master, then wait for the gate before listening.
                "--preload", "--config", "python:pinboard_site.gunicorn_start_gate",
                # No control socket at gunicorn's one path per user, shared by all its gunicorns (scripts/web).
                "--no-control-socket",
            ],
        }
        gate_read, gate_write = os.pipe()
        environments = {"web": {**os.environ, "PINBOARD_START_GATE_FD": str(gate_read)}}
        if not options["no_worker"]:
            commands["worker"] = [python, manage, "qcluster"]
            environments["worker"] = {**os.environ, "Q_CLUSTER_NAME": Conf.PREFIX}
            commands["media-worker"] = [python, manage, "qcluster"]
            environments["media-worker"] = {**os.environ, "Q_CLUSTER_NAME": settings.Q_MEDIA_CLUSTER}

        def start(name):
            return subprocess.Popen(commands[name], env=environments[name], start_new_session=True,
                                    pass_fds=(gate_read,) if name == "web" else ())

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        children = {"web": start("web")}
        os.close(gate_read)
        with open(gate_write, "wb") as gate:
            try:
                self.prepare(options)
                # The web and the clusters open their own connections; this process needs none now.
                connections.close_all()
            except BaseException:
                self._kill_group(children["web"])  # closing the gate unopened also stops it
                children["web"].wait()
                raise
            # Until here a signal ends this process, and the gate closing unopened ends the web; from
            # here on a signal stops everything started.
            signal.signal(signal.SIGINT, stop)
            signal.signal(signal.SIGTERM, stop)
            gate.write(b"1")
        children.update({name: start(name) for name in commands if name != "web"})
        self.stdout.write(f"Pinboard is at http://{options['host']}:{options['port']}/ (Ctrl-C stops it)")

        exit_code = 0
        restart_at: dict[str, float] = {}
        while not stopping:
            for name, child in list(children.items()):
                if name in restart_at:
                    if time.monotonic() >= restart_at[name]:
                        del restart_at[name]
                        children[name] = start(name)
                        self.stderr.write(f"{name} started again (pid {children[name].pid})")
                elif child.poll() is not None and name == "web":
                    self.stderr.write(f"web exited with {child.returncode}; stopping the rest")
                    exit_code = child.returncode or 1
                    stopping = True
                elif child.poll() is not None:
                    self.stderr.write(f"{name} exited with {child.returncode}; starting it again "
                                      f"in {options['restart_delay']:g}s")
                    self._kill_group(child)  # whatever it left behind (orphaned workers)
                    restart_at[name] = time.monotonic() + options["restart_delay"]
            time.sleep(0.3)
        self.shutdown(children)
        if exit_code:
            sys.exit(exit_code)

    def prepare(self, options):
        """What must be done before the web listens and the clusters start (the web is booting meanwhile)."""
        if not options.get("skip_checks"):
            self.check()

    @staticmethod
    def _kill_group(child):
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def shutdown(self, children):
        for child in children.values():
            if child.poll() is None:
                try:
                    os.killpg(child.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 15
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
