"""Uploads cost the web server little memory whatever the file's size: the peak resident set of a
real server process (tests/upload_server.py), through /v1 (the official SDK) and through the
dashboard's upload view, for an image and a video.

tracemalloc (tests/services/assets/test_upload.py) sees Python objects only; the resident set
also counts Pillow's decoders, hashlib, OpenSSL and whatever else holds memory in C. Each case has
a control arm: the same upload on a server that keeps uploads in memory whole must break the
bound, or the bound proves nothing. Media storage is the default local disk.
"""

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from pinbridge_sdk import PinbridgeClient

from publishing.access import Actor
from publishing.models import Asset
from publishing.services.keys import api_key_create
from tests.large_png import make_noise_png
from tests.media import make_mp4, make_png, pad_mp4
from tests.pipeline_fixtures import BASE_DIR, wait_for
from tests.ports import free_port

pytestmark = pytest.mark.django_db(transaction=True)

MB = 1024 * 1024
IMAGE_BYTES, VIDEO_BYTES = 18 * MB, 64 * MB
# Peak resident-set growth allowed for one upload, a fraction of the file: a server holding the
# file (or a decoded picture of it) once breaks it.
BOUNDS = {"image": IMAGE_BYTES // 3, "video": VIDEO_BYTES // 4}
CSRF = "hygienecsrftoken0123456789abcdef"  # any 32 characters: Django compares cookie and header


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("rss")
    return {
        "image": (make_noise_png(folder / "big.png", IMAGE_BYTES), make_png(folder / "small.png")),
        "video": (pad_mp4(make_mp4(folder / "big.mp4"), VIDEO_BYTES), make_mp4(folder / "small.mp4")),
    }


def memory(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)



class Server:
    def __init__(self, mode: str, tmp_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings",
               "PINBOARD_TEST_DATABASE_NAME": connection.settings_dict["NAME"],
               "MEDIA_ROOT": str(django_settings.MEDIA_ROOT), "ALLOWED_HOSTS": "127.0.0.1"}
        self.log = tmp_path / f"server-{mode}.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "tests.upload_server", str(self.port), mode],
                                            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
        wait_for(lambda: self.answers() or self.process.poll() is not None, timeout=30, message="the server")
        assert self.process.poll() is None, self.log.read_text()

    def answers(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def peak_growth(self, upload) -> int:
        """Resident-set growth at the peak of ``upload()``, from what the process held just before."""
        Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")  # VmHWM := VmRSS
        before = memory(self.process.pid, "VmRSS")
        upload()
        return memory(self.process.pid, "VmHWM") - before

    def stop(self):
        self.process.kill()
        self.process.wait()


def v1_upload(workspace, cast):
    key = api_key_create(actor=Actor.system(workspace, job="test"), name="rss", scopes=["read", "write"]).plaintext

    def upload(server: Server, kind: str, path: Path):
        with PinbridgeClient(base_url=server.url, api_key=key, timeout=120) as client, path.open("rb") as handle:
            method = client.assets.upload_image if kind == "image" else client.assets.upload_video
            method(handle, filename=path.name, content_type="image/png" if kind == "image" else "video/mp4")

    return upload


def dashboard_upload(workspace, cast):
    browser = Client()
    browser.force_login(cast.editor)
    cookies = {"sessionid": browser.cookies["sessionid"].value, "csrftoken": CSRF}

    def upload(server: Server, kind: str, path: Path):
        with path.open("rb") as handle:
            response = httpx.post(f"{server.url}/app/assets/upload", cookies=cookies, timeout=120,
                                  headers={"X-CSRFToken": CSRF, "HX-Request": "true", "Referer": server.url},
                                  files={"file": (path.name, handle, "image/png" if kind == "image" else "video/mp4")})
        assert response.status_code == 200 and "error" not in response.text.lower(), response.text[:500]

    return upload


@pytest.mark.parametrize("kind", ["image", "video"])
@pytest.mark.parametrize("through", [v1_upload, dashboard_upload], ids=["v1", "dashboard"])
def test_an_upload_raises_the_servers_peak_memory_by_a_fraction_of_the_file(
        workspace, cast, files, tmp_path, kind, through):
    big, small = files[kind]
    upload = through(workspace, cast)
    growth = {}
    for mode in ("streamed", "whole"):
        server = Server(mode, tmp_path)
        try:
            upload(server, kind, small)  # imports and caches warmed up: not counted
            growth[mode] = server.peak_growth(lambda server=server: upload(server, kind, big))
        finally:
            server.stop()

    assert Asset.objects.filter(size_bytes=big.stat().st_size).count() == 2  # both arms stored it
    print(f"\n[measure] {kind} of {big.stat().st_size / MB:.0f} MB: peak RSS +{growth['streamed'] / MB:.1f} MB "
          f"streamed, +{growth['whole'] / MB:.1f} MB held whole (bound {BOUNDS[kind] / MB:.0f} MB)")
    assert growth["whole"] > BOUNDS[kind], f"the control arm stayed under the bound: {growth}"
    assert growth["streamed"] < BOUNDS[kind], f"peak RSS grew {growth['streamed'] / MB:.1f} MB"
