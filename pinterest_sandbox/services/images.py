"""What Pinterest would show for an image: the ``images`` size map and a dominant colour.

The sandbox never fetches remote URLs (there is no network): a URL image gets Pinterest's
recommended 1000x1500 and a colour derived from the URL. Base64 images are decoded and
measured for real with Pillow.
"""

import base64
import binascii
import hashlib
import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from pinterest_sandbox import conf, errors

URL_IMAGE_SIZE = (1000, 1500)


@dataclass
class ImageFacts:
    width: int
    height: int
    digest: str
    dominant_color: str
    original_url: str | None = None


def image_from_url(url: str) -> ImageFacts:
    digest = hashlib.md5(url.encode(), usedforsecurity=False).hexdigest()
    return ImageFacts(*URL_IMAGE_SIZE, digest=digest, dominant_color=f"#{digest[:6]}", original_url=url)


def image_from_base64(data: str, content_type: str) -> ImageFacts:
    """Decode and measure; undecodable base64 is 400 code 1, bytes that are no image 403 code 235,
    images below SANDBOX_MIN_IMAGE_SIDE 403 code 233."""
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise errors.invalid("Invalid request body: data: not valid base64") from None
    try:
        with Image.open(io.BytesIO(raw)) as image:
            image.load()
            width, height = image.size
            red, green, blue = image.convert("RGB").resize((1, 1)).getpixel((0, 0))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise errors.SandboxError(403, 235, errors.IMAGE_BROKEN) from None
    if min(width, height) < conf.min_image_side():
        raise errors.SandboxError(403, 233, errors.IMAGE_TOO_SMALL)
    digest = hashlib.md5(raw, usedforsecurity=False).hexdigest()
    return ImageFacts(width, height, digest=digest, dominant_color=f"#{red:02x}{green:02x}{blue:02x}")


def image_sizes(facts: ImageFacts) -> dict:
    """The ``images`` map of a Pin response: Pinterest's four sizes plus ``originals``."""

    def url(size: str) -> str:
        d = facts.digest
        return f"https://i.pinimg.com/{size}/{d[:2]}/{d[2:4]}/{d[4:6]}/{d}.jpg"

    def scaled(width: int) -> dict:
        return {"width": width, "height": round(width * facts.height / facts.width), "url": url(f"{width}x")}

    return {
        "150x150": {"width": 150, "height": 150, "url": url("150x150")},
        "400x300": {"width": 400, "height": 300, "url": url("400x300")},
        "600x": scaled(600),
        "1200x": scaled(1200),
        "originals": {
            "width": facts.width,
            "height": facts.height,
            "url": facts.original_url or url("originals"),
        },
    }
