"""Small builders shared by the sandbox tests."""

import base64
import io

from PIL import Image

# The first bytes of an MP4 (an ``ftyp`` box): enough for the sandbox to call it a video.
MP4_HEAD = bytes.fromhex("000000186674797069736f6d0000020069736f6d6d703431")


def png_base64(width: int = 600, height: int = 900, color=(200, 30, 60)) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def image_pin(board_id: str, **fields) -> dict:
    return {
        "board_id": board_id,
        "title": "A title",
        "media_source": {"source_type": "image_url", "url": "https://example.com/pic.jpg"},
        **fields,
    }


def base64_pin(board_id: str, data: str, content_type: str = "image/png") -> dict:
    return image_pin(
        board_id, media_source={"source_type": "image_base64", "content_type": content_type, "data": data}
    )


def upload_video(http, registered: dict, content: bytes = MP4_HEAD + b"\0" * 2048, *, fields=None):
    """POST the bytes to the upload_url the way S3 wants it: every parameter, then ``file``."""
    data = dict(registered["upload_parameters"] if fields is None else fields)
    return http.post(registered["upload_url"], data=data, files={"file": ("video.mp4", content, "video/mp4")})
