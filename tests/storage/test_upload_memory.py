"""A large upload goes to the bucket in parts and comes back as a stream, with memory that does
not grow with the file. Each run is a process of its own (tests/storage/upload_memory.py) that
reports tracemalloc's peak and its peak resident set; each has a control arm that holds the file
whole, to show the measurement would catch it. The 1 GiB figure: bench/s3_upload_memory.py."""

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from publishing.models import Asset
from tests.media import make_mp4, pad_mp4
from tests.pipeline_fixtures import BASE_DIR

pytestmark = pytest.mark.django_db(transaction=True)

MB = 1024 * 1024
FILE_BYTES = 96 * MB
# The streamed upload holds a few 8 MiB parts whatever the file's size (about 28 MiB traced here and
# for 1 GiB in bench/); resident memory adds the allocator's arenas of the upload threads.
TRACED_LIMIT, RSS_LIMIT = 40 * MB, 64 * MB


def measured(s3_storage, *args) -> dict:
    env = {**os.environ, **s3_storage.environ, "DJANGO_SETTINGS_MODULE": "tests.settings",
           "PINBOARD_TEST_DATABASE_NAME": connection.settings_dict["NAME"]}
    result = subprocess.run([sys.executable, "-m", "tests.storage.upload_memory", *map(str, args)], cwd=BASE_DIR,
                            env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def grown(run: dict) -> int:
    return run["rss_peak"] - run["rss_baseline"]


@pytest.fixture
def big_video(tmp_path):
    video = make_mp4(tmp_path / "long.mp4", seconds=5)
    return pad_mp4(video, FILE_BYTES - video.stat().st_size)


def test_a_96_mb_video_is_uploaded_to_the_bucket_and_read_back_with_bounded_memory(s3_storage, workspace, big_video):
    streamed = measured(s3_storage, workspace.public_id, big_video, "streamed")
    whole = measured(s3_storage, workspace.public_id, big_video, "whole")

    asset = Asset.objects.get(public_id=streamed["asset_id"])
    assert streamed["size"] == FILE_BYTES and streamed["key"] in s3_storage.keys()
    assert s3_storage.read(asset.file.name) == big_video.read_bytes()
    print(f"upload of {FILE_BYTES // MB} MiB to S3: traced peak {streamed['traced_peak'] / MB:.1f} MiB, "
          f"RSS grew {grown(streamed) / MB:.1f} MiB; control (whole): {whole['traced_peak'] / MB:.1f} / "
          f"{grown(whole) / MB:.1f} MiB")
    assert streamed["traced_peak"] < TRACED_LIMIT and grown(streamed) < RSS_LIMIT
    assert whole["traced_peak"] > FILE_BYTES and grown(whole) > FILE_BYTES, "the control arm holds the file"

    read = measured(s3_storage, workspace.public_id, asset.public_id, "read")
    stock = measured(s3_storage, workspace.public_id, asset.public_id, "read-stock")

    print(f"read back for publishing: traced peak {read['traced_peak'] / MB:.1f} MiB, RSS grew "
          f"{grown(read) / MB:.1f} MiB; control (django-storages' S3File): {stock['traced_peak'] / MB:.1f} / "
          f"{grown(stock) / MB:.1f} MiB")
    assert read["size"] == stock["size"] == FILE_BYTES
    assert read["traced_peak"] < 4 * MB and grown(read) < 16 * MB
    assert grown(stock) > FILE_BYTES, "the control arm downloads the file whole first"
