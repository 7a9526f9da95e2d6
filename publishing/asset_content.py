"""Serving an asset's bytes over HTTP: streamed with Range support, or a redirect to the bucket.

Both the dashboard (``/app/assets/<id>/file``) and the API (``/v1/assets/<id>/content``) answer
through here, after their own access check:

- ``redirect=True`` and media in an S3 bucket: ``302`` to a presigned GET link that expires after
  ``AWS_QUERYSTRING_EXPIRE`` seconds (5 minutes by default). The bucket then serves the bytes and
  Range requests itself, and the web node is not in the path.
- otherwise the web node streams the file from storage (local disk, or the bucket through ranged
  GETs) and answers a single ``Range: bytes=...`` with ``206 Partial Content``; browsers' video
  players and resumable downloads rely on it. ``If-Range`` is honoured against the ETag, which is
  the file's SHA-256 (the bytes of an asset never change).

Which callers get a redirect is the caller's decision (docs/api.md): browsers follow one safely, but
an API client that follows redirects by hand may send its ``x-api-key`` header to the bucket's
host, and the official SDK does not follow them at all (it would read the empty ``302`` body).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils.http import content_disposition_header

from publishing.media_storage import presigned_url, storage_is_remote
from publishing.models import Asset

CHUNK_BYTES = 64 * 1024
BYTE_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive, as in Content-Range

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class Unsatisfiable(Exception):
    """The Range names no byte of the file: 416."""


def requested_range(header: str | None, size: int) -> ByteRange | None:
    """The one byte range ``header`` asks for (RFC 9110 §14), or None to send the whole file.

    A header we do not understand (another unit, several ranges, bad syntax) is ignored, as the
    RFC allows; a well-formed range past the end raises ``Unsatisfiable``.
    """
    match = BYTE_RANGE.fullmatch((header or "").strip())
    if match is None:
        return None
    first, last = match.groups()
    if first:
        start = int(first)
        end = int(last) if last else size - 1
        if last and end < start:
            return None  # invalid: ignored
        if start >= size:
            raise Unsatisfiable
        return ByteRange(start, min(end, size - 1))
    if not last:
        return None  # "bytes=-": invalid
    suffix = int(last)
    if suffix == 0 or size == 0:
        raise Unsatisfiable
    return ByteRange(max(0, size - suffix), size - 1)


def _etag(asset: Asset) -> str:
    return f'"{asset.checksum_sha256}"'


def _stream(asset: Asset, byte_range: ByteRange):
    """The bytes of ``byte_range``, read from storage 64 KiB at a time."""
    with asset.file.storage.open(asset.file.name, "rb") as handle:
        handle.seek(byte_range.start)
        remaining = byte_range.length
        while remaining > 0:
            chunk = handle.read(min(CHUNK_BYTES, remaining))
            if not chunk:
                raise OSError(f"{asset.file.name} ended {remaining} bytes early")
            remaining -= len(chunk)
            yield chunk


def asset_content_response(request, asset: Asset, *, redirect: bool) -> HttpResponse:
    """The asset's bytes for ``request`` (see the module docstring); access is checked already."""
    storage = asset.file.storage
    if redirect and storage_is_remote(storage):
        response = HttpResponseRedirect(presigned_url(
            storage, asset.file.name, filename=asset.original_filename, content_type=asset.content_type))
        response["Cache-Control"] = "private, no-store"  # the link expires; never reuse it from a cache
        return response
    size = asset.size_bytes
    if_range = request.headers.get("If-Range")
    range_header = request.headers.get("Range") if if_range in (None, _etag(asset)) else None
    try:
        byte_range = requested_range(range_header, size)
    except Unsatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    else:
        if byte_range is None and isinstance(storage, FileSystemStorage):
            # The whole file from local disk: FileResponse lets the server use sendfile.
            response = FileResponse(asset.file.open("rb"), content_type=asset.content_type)
        else:
            partial = byte_range is not None  # even "bytes=0-": players (Safari) expect 206 then
            byte_range = byte_range or ByteRange(0, size - 1)
            response = StreamingHttpResponse(_stream(asset, byte_range), content_type=asset.content_type)
            response["Content-Length"] = str(byte_range.length)
            if partial:
                response.status_code = 206
                response["Content-Range"] = f"bytes {byte_range.start}-{byte_range.end}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = _etag(asset)
    response["Content-Disposition"] = content_disposition_header(False, asset.original_filename)
    response["Cache-Control"] = "private, max-age=3600"
    return response


def stored_jpeg_response(storage, name: str, *, filename: str) -> HttpResponse:
    """A derived picture of an asset (thumbnail, key frame): a presigned redirect when media lives
    in a bucket, else the file from local disk. Its name is ours and it never changes once written."""
    if storage_is_remote(storage):
        response = HttpResponseRedirect(presigned_url(storage, name, filename=filename, content_type="image/jpeg"))
        response["Cache-Control"] = "private, no-store"
        return response
    response = FileResponse(storage.open(name, "rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=86400"
    return response
