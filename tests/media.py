"""Real media files made at test time, so no binary fixture lives in git.

Every helper writes to ``path`` (a ``str`` or ``Path``) and returns it as a ``Path``:

- ``make_mp4(path, seconds=5)``: a real H.264 video (64x64, 10 fps) encoded with PyAV, in the
  container the suffix names (``.mp4``, ``.mov``, ``.m4v``); ``codec="mpeg4"`` makes one Pinterest
  refuses; ``fps=1`` makes long videos cheap; ``key_frame_every=10`` puts a key frame every 10
  frames. About 4 KB and a few milliseconds for 5 s.
- ``make_png(path, width, height)`` and ``make_jpeg(path, width, height)``: solid-colour images.
- ``make_png_bomb(path, width, height)``: a valid PNG whose pixel count is huge but whose file is
  tiny (rows of zeros compress to almost nothing), written row by row so the test never holds
  the decoded image in memory.
- ``pad_mp4(path, extra_bytes)``: grows a video by appending an MP4 ``free`` box of zeros, streamed
  to disk, for tests that need a large valid file without encoding one.
"""

import struct
import zlib
from pathlib import Path

import av
from PIL import Image

VIDEO_SIZE = (64, 64)
VIDEO_FPS = 10


def make_mp4(
    path, seconds: float = 5, *, codec: str = "libx264", size: tuple[int, int] = VIDEO_SIZE, fps: int = VIDEO_FPS,
    key_frame_every: int | None = None,
) -> Path:
    path = Path(path)
    # ``ipod`` is FFmpeg's name for the M4V flavour of MP4; other suffixes pick their own muxer.
    container_format = "ipod" if path.suffix.lower() == ".m4v" else None
    with av.open(str(path), "w", format=container_format) as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        if key_frame_every:  # a key frame every N frames (FFmpeg's default for x264 is 250)
            stream.codec_context.gop_size = key_frame_every
            stream.options = {"keyint_min": str(key_frame_every), "sc_threshold": "0"}
        for index in range(round(seconds * fps)):
            # A colour that changes every frame, so the encoder produces real motion data.
            picture = Image.new("RGB", size, ((index * 9) % 256, 90, 160))
            for packet in stream.encode(av.VideoFrame.from_image(picture)):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def pad_mp4(path, extra_bytes: int, *, chunk_size: int = 1 << 20) -> Path:
    """Append a ``free`` box of ``extra_bytes`` (header included) that players skip."""
    path = Path(path)
    if extra_bytes < 16:
        raise ValueError("a padding box needs at least 16 bytes")
    zeros = bytes(chunk_size)
    with path.open("ab") as file:
        # A 64-bit ("largesize") box header, so padding past 4 GB stays valid.
        file.write(struct.pack(">I4sQ", 1, b"free", extra_bytes))
        remaining = extra_bytes - 16
        while remaining > 0:
            written = file.write(zeros[: min(chunk_size, remaining)])
            remaining -= written
    return path


def make_png(path, width: int = 120, height: int = 80, *, color=(200, 40, 90)) -> Path:
    path = Path(path)
    Image.new("RGB", (width, height), color).save(path, "PNG")
    return path


def make_jpeg(path, width: int = 120, height: int = 80, *, color=(40, 120, 200)) -> Path:
    path = Path(path)
    Image.new("RGB", (width, height), color).save(path, "JPEG", quality=85)
    return path


def make_png_bomb(path, width: int = 12_000, height: int = 12_000) -> Path:
    """A 1-bit greyscale PNG of ``width`` x ``height`` pixels, all black, written without Pillow."""
    path = Path(path)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = bytes(1 + (width + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    compressed = bytearray()
    for _ in range(height):
        compressed += compressor.compress(row)
    compressed += compressor.flush()
    with path.open("wb") as file:
        file.write(b"\x89PNG\r\n\x1a\n")
        file.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)))
        file.write(chunk(b"IDAT", bytes(compressed)))
        file.write(chunk(b"IEND", b""))
    return path
