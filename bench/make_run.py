"""`make run` on a fresh clone, from the command to the login page answering 200, measured from outside.

    .venv/bin/python bench/make_run.py [--rounds N] [--commit REV] [--empty-package-cache]

Each round clones this repository's commit (HEAD unless --commit says otherwise) into a throwaway
directory with nothing beside it, then:

- cold: `make run` in the fresh clone (no .venv, no .env, no database), timed from the start of
  `make` until GET /accounts/login/ answers 200 on the PORT it is given;
- warm: the server is stopped (SIGINT to make's process group, as Ctrl-C does) and `make run` runs
  again in the same clone, timed the same way.

The rounds alternate cold and warm, so a drift of the machine touches both alike. The package
cache is the machine's (uv's, and pip's for uv itself) unless --empty-package-cache points
UV_CACHE_DIR at an empty directory and turns pip's cache off for the cold starts: then every
package comes from the registry (PyPI), which measures the network as much as the code.

`make run` always uses SQLite in the clone's own var/ (a fresh clone has no DATABASE_URL), so
DATABASE_URL, REDIS_URL and the other settings variables of this process are not passed on.

Prints each start, then "median (min–max)" per kind and one TARGET line each. Beside the wall time it
prints the CPU seconds make and everything below it had used when the page answered: on a machine
shared with other work that figure moves much less than the wall time.
"""

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOALS = {"cold": 25.0, "warm": 5.0}  # seconds, issue 14
START_TIMEOUT = 600
# Settings this process may carry (from a test or bench shell) that a fresh clone's `make run` never sees.
NOT_PASSED_ON = ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "PINBOARD_VAR_DIR", "VENV", "VIRTUAL_ENV",
                 "PORT", "HOST", "SITE_URL", "SANDBOX_BASE_URL")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def login_answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def descendants(pid: int) -> set[int]:
    """Every process below pid (serve puts its children in sessions of their own, so the process
    group of `make` does not hold them all)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(parent, []).append(int(entry.name))
    found, frontier = set(), [pid]
    while frontier:
        for child in parents.get(frontier.pop(), []):
            found.add(child)
            frontier.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def cpu_seconds(pids: set[int]) -> float:
    """CPU time (user + system) of these processes and of the children each has reaped: for make and
    everything below it, the work done so far, whatever else the machine was doing meanwhile."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += sum(int(field) for field in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def stop(make: subprocess.Popen, log_path: Path) -> None:
    """Ctrl-C, as a developer stops it: SIGINT to make's process group; then nothing may be left."""
    spawned = descendants(make.pid)
    try:
        os.killpg(make.pid, signal.SIGINT)
        make.wait(timeout=40)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(make.pid, signal.SIGKILL)
        make.wait()
        print(f"  (make did not stop within 40 s of SIGINT; killed; log {log_path})", flush=True)
    deadline = time.monotonic() + 20
    while (left := [pid for pid in spawned if alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in left:
        print(f"  (pid {pid} was still running after make stopped; killed)", flush=True)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def start_to_login_page(clone: Path, environment: dict[str, str], label: str) -> tuple[float, float]:
    """Seconds from `make run` to the login page answering 200, and the CPU seconds spent by then."""
    port = free_port()
    log_path = clone / f"make-run-{label}.log"
    with open(log_path, "w") as log:
        started = time.monotonic()
        make = subprocess.Popen(["make", "run"], cwd=clone, env={**environment, "PORT": str(port)},
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            while not login_answers(port):
                if make.poll() is not None:
                    raise RuntimeError(f"make run exited with {make.returncode}:\n{log_path.read_text()[-3000:]}")
                if time.monotonic() - started > START_TIMEOUT:
                    raise RuntimeError(f"no login page after {START_TIMEOUT} s:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.1)
            elapsed = time.monotonic() - started
            return elapsed, cpu_seconds({make.pid} | descendants(make.pid))
        finally:
            stop(make, log_path)


def clone_at(commit: str, into: Path) -> Path:
    clone = into / "pinboard"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "checkout", "--quiet", "--detach", commit], check=True)
    return clone


def summary(seconds: list[float]) -> str:
    return f"{statistics.median(seconds):.1f} s ({min(seconds):.1f}–{max(seconds):.1f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--commit", default="HEAD", help="the commit to clone (default HEAD)")
    parser.add_argument("--empty-package-cache", action="store_true",
                        help="cold starts with an empty uv cache and no pip cache (packages from the registry)")
    arguments = parser.parse_args()
    # Started in the background, this process (and so every make run it starts) would ignore
    # SIGINT: a handler is reset to the default at exec, an ignored signal stays ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", arguments.commit],
                            check=True, capture_output=True, text=True).stdout.strip()
    environment = {name: value for name, value in os.environ.items() if name not in NOT_PASSED_ON}
    bytecode = "off (PYTHONDONTWRITEBYTECODE set)" if environment.get("PYTHONDONTWRITEBYTECODE") else "on"
    cache = "empty (registry)" if arguments.empty_package_cache else "the machine's (warm)"
    print(f"make run at {commit}: {arguments.rounds} rounds, package cache {cache}, "
          f"Python's own .pyc writing {bytecode}", flush=True)

    times: dict[str, list[float]] = {"cold": [], "warm": []}
    cpu: dict[str, list[float]] = {"cold": [], "warm": []}
    for round_number in range(1, arguments.rounds + 1):
        with tempfile.TemporaryDirectory(prefix="pinboard-make-run-") as scratch:
            clone = clone_at(commit, Path(scratch))
            cold_environment = dict(environment)
            if arguments.empty_package_cache:
                cold_environment["UV_CACHE_DIR"] = str(Path(scratch) / "uv-cache")
                cold_environment["PIP_NO_CACHE_DIR"] = "1"
            for kind, kind_environment in (("cold", cold_environment), ("warm", environment)):
                seconds, cpu_used = start_to_login_page(clone, kind_environment, f"{kind}-{round_number}")
                times[kind].append(seconds)
                cpu[kind].append(cpu_used)
                print(f"round {round_number} {kind}: {seconds:.1f} s, {cpu_used:.1f} s of CPU", flush=True)
            shutil.rmtree(clone / ".venv", ignore_errors=True)

    for kind, seconds in times.items():
        print(f"{kind}: {summary(seconds)}, CPU {summary(cpu[kind])}")
    for kind, seconds in times.items():
        goal = GOALS[kind]
        verdict = "PASS" if statistics.median(seconds) <= goal else "MISS"
        print(f"TARGET make run {kind} (fresh clone -> login page): {summary(seconds)} (goal <= {goal:g} s) {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
