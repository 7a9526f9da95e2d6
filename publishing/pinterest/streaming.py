"""JSON request bodies whose base64 fields are streamed from files instead of held in memory.

Pinterest takes an inline image only as a base64 string inside the JSON of ``POST /pins``. An
image of 20 MB is a 27 MB string; building it (and then the JSON around it) would hold both in
memory. Instead the body is sent as three kinds of parts: the JSON text before the field, the
file's base64 encoded a few hundred KiB at a time, and the JSON text after it. The bytes on the
wire are exactly what ``json=`` would have sent, and the length is known in advance (base64 of
n bytes is 4 * ceil(n / 3) characters), so the request carries a real ``Content-Length``.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path, PurePath
from typing import IO, Any, TypeAlias

import httpx
from django.core.files import File
from django.db.models.fields.files import FieldFile

# A multiple of 3: each chunk then encodes to base64 without padding, so chunks concatenate.
BASE64_READ_BYTES = 3 * 64 * 1024

# A filesystem path, or a Django file (a model's FieldFile, or what a storage's open() returns).
# Quoted: Django's File is generic only in its type stubs.
Source: TypeAlias = "str | os.PathLike[str] | File[bytes]"


class FileSource:
    """A file to send, opened afresh for every attempt and read in chunks, never whole.

    ``source`` is a filesystem path or a Django ``File``/``FieldFile``. A stored file is opened
    through its storage, so it streams from wherever it lives (local disk, or an S3 bucket through
    ``publishing.media_storage``): the media upload sends it as a multipart part, ``Base64File``
    as base64 inside a JSON body.
    """

    def __init__(self, source: Source) -> None:
        self._source = source
        self.size = self._size()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {self.size} bytes)"

    @property
    def name(self) -> str:
        return str(getattr(self._source, "name", self._source))

    @property
    def filename(self) -> str:
        """The last part of the name, as a multipart part's ``filename``."""
        return PurePath(self.name).name

    def _size(self) -> int:
        if isinstance(self._source, str | os.PathLike):
            return Path(self._source).stat().st_size
        return self._source.size

    def open(self) -> IO[bytes]:
        if isinstance(self._source, str | os.PathLike):
            return open(self._source, "rb")
        if isinstance(self._source, FieldFile):
            # A new handle from its storage every time (FieldFile.open() reopens the one it keeps).
            return self._source.storage.open(self.name, "rb")
        return self._source.open("rb")


class Base64File(FileSource):
    """A file sent as a base64 string in a JSON body, read in chunks every time it is sent.

    While the body is built it stands in the JSON as ``placeholder``, a random token no other
    field can contain by chance.
    """

    def __init__(self, source: Source) -> None:
        super().__init__(source)
        self.placeholder = f"PinboardStreamedBase64{uuid.uuid4().hex}"

    @property
    def encoded_length(self) -> int:
        return 4 * -(-self.size // 3)

    def chunks(self) -> Iterator[bytes]:
        sent = 0
        with self.open() as handle:
            while chunk := handle.read(BASE64_READ_BYTES):
                sent += len(chunk)
                yield base64.b64encode(chunk)
        if sent != self.size:
            # Content-Length was promised from the size; a file changed under us must not be
            # sent as a silently truncated or overlong body.
            raise OSError(f"{self.name} changed while it was being sent ({self.size} → {sent} bytes)")


def json_text(payload: Any) -> bytes:
    """JSON exactly as httpx's ``json=`` encodes it (httpx 0.28: compact, UTF-8, no NaN)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


class StreamedJson(httpx.SyncByteStream):
    """A JSON body with ``Base64File`` fields, replayable: every iteration reopens the files.

    Replayable matters twice: an httpx retry of a refused connection sends the body again, and
    the test harness re-reads a sent body to check it against Pinterest's OpenAPI document.
    """

    def __init__(self, payload: Any, files: list[Base64File]) -> None:
        text = json_text(payload)
        self._parts: list[bytes | Base64File] = []
        for file in files:
            marker = json.dumps(file.placeholder).encode("ascii")
            if text.count(marker) != 1:
                raise ValueError(f"{file!r} must appear exactly once in the JSON body")
            before, text = text.split(marker)
            self._parts += [before + b'"', file]
            text = b'"' + text
        self._parts.append(text)
        self.length = sum(
            part.encoded_length if isinstance(part, Base64File) else len(part) for part in self._parts
        )

    @property
    def headers(self) -> dict[str, str]:
        return {"Content-Type": "application/json", "Content-Length": str(self.length)}

    def __iter__(self) -> Iterator[bytes]:
        for part in self._parts:
            if isinstance(part, Base64File):
                yield from part.chunks()
            elif part:
                yield part


def files_in(value: Any, found: Callable[[Base64File], None]) -> None:
    """Call ``found`` for every Base64File inside a pydantic model (nested models, lists)."""
    if isinstance(value, Base64File):
        found(value)
    elif isinstance(value, list | tuple):
        for item in value:
            files_in(item, found)
    elif hasattr(type(value), "model_fields"):
        for name in type(value).model_fields:
            files_in(getattr(value, name), found)
