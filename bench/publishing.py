"""The publishing pipeline at the rate limit, on a real django-q2 cluster against the built-in
sandbox over HTTP (issue 14, causes 2, 3 and 5):

(a) 100 publishes ÷ the rate-limit bound ((100 − capacity) ÷ refill rate), per round, 3 rounds;
(b) publish jobs that ended ``not_claimed`` (a lost wake-up) in a 500-pin run at the same rate
    (about three minutes on their own; BENCH_PUBLISH_RUN_PINS=200 for a shorter run);
(c) one publish job's CPU (this thread only) and queries;
(d) a due schedule's run_at → published, behind a 150-pin backlog on the same account.

    .venv/bin/python bench/publishing.py        # SQLite; DATABASE_URL=postgres://… for PostgreSQL

It runs bench/cluster/bench_publishing.py under pytest (the suite's fixtures start the sandbox and
the clusters on a throwaway test database), which prints ``[measure]`` lines read here.
"""

import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEASURE = "bench/cluster/bench_publishing.py"


def run() -> str:
    result = subprocess.run([sys.executable, "-m", "pytest", MEASURE, "-q", "-s", "--tb=line", "-p", "no:cacheprovider",
                             "-o", "python_files=bench_*.py"],
                            cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        failures = [line for line in result.stdout.splitlines() if "INFO" not in line and (
            "Error" in line or "Failed" in line or "FAILED" in line)]
        print("!! a measuring test failed:\n" + "\n".join(failures[-10:]))
    return result.stdout


def figure(pattern: str, text: str) -> list[str]:
    return re.findall(pattern, text)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> None:
    out = run()
    for line in out.splitlines():
        if "[measure]" in line:
            print(line.split("[measure] ", 1)[1])
    ratios = [float(value) for value in figure(r"round \d+: .* ratio ([\d.]+)", out)] or [float("nan")]
    print(f"100 publishes ÷ bound over {len(ratios)} rounds: {statistics.median(ratios):.3f} "
          f"({min(ratios):.3f}–{max(ratios):.3f})")
    print(f"TARGET publish_rounds_vs_rate_bound: worst round {max(ratios):.3f} (goal ≤1.05 every round) "
          f"{verdict(max(ratios) <= 1.05)}")
    (published, pins, jobs, lost), = [tuple(map(int, found)) for found in figure(
        r"long run: (\d+) pins published of (\d+), (\d+) publish jobs, not_claimed (\d+)", out)]
    print(f"TARGET not_claimed_publish_jobs: {lost} in a {pins}-pin run ({published} published in the time "
          f"allowed), {jobs / max(published, 1):.2f} jobs a published pin (goal 0) {verdict(lost == 0)}")
    (cpu, queries, with_control), = [tuple(map(float, found)) for found in figure(
        r"cpu_ms ([\d.]+) .* queries ([\d.]+) .* with transaction control ([\d.]+)", out)]
    print(f"TARGET one_publish_job: {cpu:.1f} ms CPU, {queries:.0f} queries ({with_control:.0f} with BEGIN/COMMIT) "
          f"(goal ≤40 ms, ≤10 queries) {verdict(cpu <= 40 and queries <= 10)}")
    delays = [float(value) for value in figure(r"([\d.]+)s(?=[,;])", out.split("backlog: run_at -> published")[-1])]
    print(f"TARGET due_schedule_behind_backlog: worst {max(delays):.2f}s, median {statistics.median(delays):.2f}s "
          f"({min(delays):.2f}–{max(delays):.2f}) (goal ≤2 s) {verdict(max(delays) <= 2)}")


if __name__ == "__main__":
    main()
