"""Run one upload to the media storage in a process of its own and print what it cost in memory.

    python -m tests.storage.upload_memory WORKSPACE_ID FILE MODE

The environment selects the settings, the database and the storage (``MEDIA_STORAGE=s3`` and the
``AWS_*`` variables). MODE:

- ``streamed``: ``asset_upload`` as it is;
- ``whole`` (the control): the same, but the storage's reads ask for everything at once, as a
  naive ``storage.save(name, ContentFile(upload.read()))`` would;
- ``read``: read a stored asset back the way publishing does (``FileSource``), by id in FILE;
- ``read-stock`` (the control): the same through django-storages' stock S3Storage, whose files
  download whole before the first byte is read.

Prints one JSON line: tracemalloc's peak of Python allocations, and the peak resident set (VmHWM,
reset once Django and boto3 are loaded, so it counts the upload alone plus the baseline it starts from).
"""

import json
import sys
import tracemalloc
from pathlib import Path

import django


def status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def main(workspace_id: str, target: str, mode: str) -> dict:
    django.setup()
    from django.conf import settings  # only after django.setup()
    from django.core.files import File
    from storages.backends.s3 import S3Storage

    from publishing import media
    from publishing.access import Actor
    from publishing.models import Asset, Workspace
    from publishing.pinterest.streaming import FileSource
    from publishing.services import assets

    workspace = Workspace.objects.get(public_id=workspace_id)
    if mode == "whole":
        read = media.MeasuredStream.read
        media.MeasuredStream.read = lambda self, size=-1: read(self, -1)
    stock = None
    if mode == "read-stock":
        options = {**settings.STORAGES["default"]["OPTIONS"], "max_memory_size": 0}
        stock = S3Storage(**options)
    # Warm up: the first S3 call loads botocore's service model (tens of MB, once per process).
    (stock or Asset._meta.get_field("file").storage).exists("warm-up")
    Path("/proc/self/clear_refs").write_text("5")  # the peak RSS starts again from here
    baseline = status("VmRSS")
    tracemalloc.start()
    if mode in ("streamed", "whole"):
        with open(target, "rb") as handle:
            asset = assets.asset_upload(
                actor=Actor.system(workspace, job="test"),
                uploaded_file=File(handle, name=Path(target).name),
                expected_kind="video" if target.endswith((".mp4", ".mov")) else "image",
            )
        done = {"asset_id": str(asset.public_id), "size": asset.size_bytes, "key": asset.file.name}
    else:
        asset = Asset.objects.get(public_id=target)
        source = FileSource(asset.file) if stock is None else FileSource(stock.open(asset.file.name))
        total = 0
        with source.open() as handle:
            while chunk := handle.read(64 * 1024):
                total += len(chunk)
        done = {"size": total}
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {**done, "mode": mode, "traced_peak": peak, "rss_baseline": baseline, "rss_peak": status("VmHWM")}


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:4])))
