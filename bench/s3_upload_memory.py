"""Peak memory of a 1 GiB video uploaded to S3 and read back for publishing (issue 9).

    .venv/bin/python bench/s3_upload_memory.py            # 1 GiB
    .venv/bin/python bench/s3_upload_memory.py 2048       # size in MiB

Starts moto's S3 server (its own process), a throwaway SQLite database, pads a real H.264 MP4 to
the size, then runs tests/storage/upload_memory.py in a fresh process per arm: ``streamed`` (the
upload as it is) and ``read`` (the publishing read). Prints tracemalloc's peak and the peak RSS.
The suite runs the same measurement at 96 MiB with control arms (tests/storage/test_upload_memory.py).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
VAR_DIR = tempfile.mkdtemp(prefix="pinboard-bench-s3-")
os.environ["PINBOARD_VAR_DIR"] = VAR_DIR
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"

import httpx  # noqa: E402

from tests.media import make_mp4, pad_mp4  # noqa: E402
from tests.ports import free_port  # noqa: E402
from tests.storage_fixtures import S3Server, s3_environ  # noqa: E402

MB = 1024 * 1024


def start_s3() -> S3Server:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    server = S3Server(endpoint_url=f"http://127.0.0.1:{port}", process=process)
    for _ in range(300):
        try:
            httpx.get(f"{server.endpoint_url}/moto-api/", timeout=1)
            return server
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("moto server did not start")


def main(size_mb: int) -> None:
    server = start_s3()
    try:
        server.client().create_bucket(Bucket="pinboard-bench")
        env = {**os.environ, **s3_environ(server, "pinboard-bench")}
        setup = ("import django; django.setup(); from django.core.management import call_command; "
                 "call_command('migrate', verbosity=0); from publishing.services.teams import team_create; "
                 "print(team_create(name='Bench').workspaces.first().public_id)")
        workspace = subprocess.run([sys.executable, "-c", setup], cwd=REPO, env=env, capture_output=True, text=True,
                                   check=True).stdout.split()[-1]
        video = make_mp4(Path(VAR_DIR) / "big.mp4", seconds=5)
        pad_mp4(video, size_mb * MB - video.stat().st_size)
        runs = {}
        for mode, target in (("streamed", str(video)), ("read", None)):
            started = time.monotonic()
            out = subprocess.run([sys.executable, "-m", "tests.storage.upload_memory", workspace,
                                  target or runs["streamed"]["asset_id"], mode],
                                 cwd=REPO, env=env, capture_output=True, text=True, check=True)
            runs[mode] = {**json.loads(out.stdout.strip().splitlines()[-1]), "seconds": time.monotonic() - started}
        for mode, run in runs.items():
            print(f"{mode:>8}: {run['size'] / MB:.0f} MiB in {run['seconds']:.1f} s; tracemalloc peak "
                  f"{run['traced_peak'] / MB:.1f} MiB; peak RSS {run['rss_peak'] / MB:.1f} MiB "
                  f"(baseline {run['rss_baseline'] / MB:.1f} MiB, +{(run['rss_peak'] - run['rss_baseline']) / MB:.1f})")
    finally:
        server.process.terminate()
        server.process.wait(timeout=10)
        shutil.rmtree(VAR_DIR, ignore_errors=True)  # the padded video and the database


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1024)
