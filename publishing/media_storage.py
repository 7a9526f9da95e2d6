"""Media storage: reading stored files as streams, and handing out short-lived links to them.

Local disk is the default storage; ``MEDIA_STORAGE=s3`` makes it ``S3MediaStorage``, django-storages'
S3 backend with one change. django-storages' own ``S3File`` downloads the whole object into a
temporary file (in memory unless ``AWS_S3_MAX_MEMORY_SIZE`` is set) before the first byte can be
read: a 2 GB video would be copied in full before a single byte reached Pinterest or a browser.
Here a file opened for reading is a seekable stream over ranged GETs instead: reading from the
start is one GET streamed as it is consumed, a seek drops the connection and the next read starts
a new GET at the new position. Whatever reads through the storage API (publishing to Pinterest,
measuring, serving content) therefore streams, with memory bounded by the read buffer.
"""

from __future__ import annotations

import io

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError
from django.core.files import File
from django.core.files.storage import Storage
from django.utils.http import content_disposition_header
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

# Read buffer of a stored file: large enough that the chunked readers above (64-192 KiB at a time)
# make few calls, small enough not to matter per open file.
READ_BUFFER_BYTES = 256 * 1024
MB = 1024 * 1024


class S3RangeReader(io.RawIOBase):
    """A seekable, read-only view of one S3 object, fetched with ``Range`` GETs as it is read.

    ``if_match`` pins the object's ETag: if the object were replaced while being read, S3 answers
    412 instead of splicing two versions together.
    """

    def __init__(self, s3_object, *, size: int, etag: str | None, extra: dict | None = None) -> None:
        super().__init__()
        self._object = s3_object
        self._size = size
        self._etag = etag
        self._extra = extra or {}
        self._position = 0
        self._body = None

    @property
    def size(self) -> int:
        return self._size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            position = offset
        elif whence == io.SEEK_CUR:
            position = self._position + offset
        elif whence == io.SEEK_END:
            position = self._size + offset
        else:
            raise ValueError(f"invalid whence ({whence})")
        if position < 0:
            raise ValueError(f"negative seek position {position}")
        if position != self._position:
            self._drop_body()  # a seek without a read costs nothing (httpx asks for the length this way)
        self._position = position
        return position

    def readinto(self, buffer) -> int:
        if self.closed:
            raise ValueError("I/O operation on closed file.")
        wanted = min(len(buffer), self._size - self._position)
        if wanted <= 0:
            return 0
        if self._body is None:
            params = {"Range": f"bytes={self._position}-", **self._extra}
            if self._etag:
                params["IfMatch"] = self._etag
            self._body = self._object.get(**params)["Body"]
        data = self._body.read(wanted)
        if not data:
            raise OSError(f"{self._object.key} ended at byte {self._position} of {self._size}")
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)

    def _drop_body(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None

    def close(self) -> None:
        self._drop_body()
        super().close()


class S3MediaStorage(S3Storage):
    """django-storages' S3 backend (all its ``AWS_*`` settings apply) whose files stream when read.

    Writes are django-storages' own: ``save()`` hands the file object to boto3's managed
    ``upload_fileobj``, a multipart upload that reads the source part by part. Its transfer
    settings are bounded here so one upload holds at most a few parts in memory.
    """

    def get_default_settings(self) -> dict:
        defaults = super().get_default_settings()
        if defaults["transfer_config"] is None:  # AWS_S3_TRANSFER_CONFIG, when set, wins
            # 8 MiB parts (2 GB is 256 of the 10,000 allowed), 2 in flight and 2 buffered: one upload
            # then holds a few tens of MB whatever the file's size (tests/storage/test_upload_memory.py).
            config = TransferConfig(multipart_threshold=8 * MB, multipart_chunksize=8 * MB, max_concurrency=2)
            config.max_in_memory_upload_chunks = 2  # s3transfer's knob; boto3's constructor does not take it
            defaults["transfer_config"] = config
        return defaults

    def _open(self, name, mode="rb"):
        if mode not in ("r", "rb"):
            return super()._open(name, mode)
        key = self._normalize_name(clean_name(name))
        s3_object = self.bucket.Object(key)
        try:
            s3_object.load()  # HEAD: a missing object fails here, and gives the size and ETag
        except ClientError as err:
            if err.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
                raise FileNotFoundError(f"File does not exist: {key}") from None
            raise
        raw = S3RangeReader(s3_object, size=s3_object.content_length, etag=s3_object.e_tag)
        file = File(io.BufferedReader(raw, READ_BUFFER_BYTES), name=name)
        file.size = raw.size
        file.mode = "rb"
        return file


def storage_is_remote(storage: Storage) -> bool:
    """True when the storage can hand out presigned links (browsers then fetch from it directly)."""
    return isinstance(storage, S3Storage) and storage.querystring_auth and not storage.custom_domain


def presigned_url(storage: Storage, name: str, *, filename: str, content_type: str, expires: int | None = None) -> str:
    """A short-lived GET link to one stored object that downloads under the user's file name.

    ``expires`` defaults to the storage's ``AWS_QUERYSTRING_EXPIRE``.
    """
    return storage.url(
        name,
        parameters={
            "ResponseContentType": content_type,
            # Django's own quoting (RFC 6266 / 5987), as FileResponse would send it.
            "ResponseContentDisposition": content_disposition_header(False, filename),
        },
        expire=expires,
    )
