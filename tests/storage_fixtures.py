"""A real S3-protocol server for the suite, and a fixture that puts media on it.

- ``s3_server`` (session): moto in server mode (``python -m moto.server``) as its own process on a
  free port of 127.0.0.1. Nothing is mocked in-process: boto3 talks HTTP to it exactly as it talks
  to AWS, MinIO or any S3-compatible server. Its own process, not a thread in ours, so the memory a
  test measures is the uploader's and not the server's copy of the bytes.
- ``s3_storage`` (function): a fresh bucket, and the default storage switched to S3 for this test,
  with the very ``STORAGES["default"]`` that ``pinboard_site/settings.py`` builds from
  ``MEDIA_STORAGE=s3`` and the ``AWS_*`` variables (read back from the settings module in a
  subprocess). ``s3_storage.environ`` holds those variables for processes a test starts (clusters,
  gunicorn), so they use the same bucket.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import httpx
import pytest
from botocore.config import Config

from tests.ports import free_port

REPO = Path(__file__).resolve().parent.parent
ACCESS_KEY = "pinboard-test-access"
SECRET_KEY = "pinboard-test-secret-0123456789"  # the throwaway server's credentials
REGION = "us-east-1"


@dataclass
class S3Server:
    endpoint_url: str
    process: subprocess.Popen

    def client(self):
        return boto3.client(
            "s3", endpoint_url=self.endpoint_url, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
            region_name=REGION, config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )


@dataclass
class S3Media:
    """The bucket one test's media lives in."""

    server: S3Server
    bucket: str
    environ: dict[str, str]
    storages: dict = field(default_factory=dict)

    def keys(self) -> list[str]:
        listing = self.server.client().list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.server.client().get_object(Bucket=self.bucket, Key=key)["Body"].read()



@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    port = free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    server = S3Server(endpoint_url=f"http://127.0.0.1:{port}", process=process)
    deadline = time.monotonic() + 30
    while True:  # ready when it answers HTTP
        try:
            httpx.get(f"{server.endpoint_url}/moto-api/", timeout=1)
            break
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"moto server did not start (exit {process.poll()}); see {log.name}") from None
            time.sleep(0.1)
    yield server
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=10)
    log.close()


def s3_environ(server: S3Server, bucket: str) -> dict[str, str]:
    """What an operator would put in the environment to keep media in ``bucket``."""
    return {
        "MEDIA_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": server.endpoint_url,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_S3_REGION_NAME": REGION,
    }


def storages_from_settings(environ: dict[str, str]) -> dict:
    """``STORAGES`` as the settings module builds it from ``environ`` (read in a fresh process)."""
    script = "import json; from django.conf import settings; print(json.dumps(settings.STORAGES))"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", **environ}
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=REPO, capture_output=True, text=True,
                         check=True, timeout=60)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def s3_settings_shape(s3_server):
    """The settings' S3 ``STORAGES`` for a placeholder bucket; tests swap in their own bucket."""
    return storages_from_settings(s3_environ(s3_server, "placeholder-bucket"))


@pytest.fixture
def s3_storage(s3_server, s3_settings_shape, settings) -> S3Media:
    bucket = f"pinboard-{uuid.uuid4().hex[:12]}"
    s3_server.client().create_bucket(Bucket=bucket)
    storages = json.loads(json.dumps(s3_settings_shape))
    storages["default"]["OPTIONS"]["bucket_name"] = bucket
    # pytest-django's settings fixture sends setting_changed: Django drops its cached storages and
    # default_storage (which FileFields use) for this test, and restores them afterwards.
    settings.STORAGES = {**settings.STORAGES, "default": storages["default"]}
    settings.MEDIA_STORAGE = "s3"
    return S3Media(server=s3_server, bucket=bucket, environ=s3_environ(s3_server, bucket), storages=storages)
