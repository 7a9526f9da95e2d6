"""An image's dominant colour, read by the server from the stored file (never taken on trust from
a browser): the colour Pinterest paints while the pin's image loads (PinCreate ``dominant_color``).

The thumbnail worker (services/thumbnails.py) reads it from the picture it decodes anyway
and stores it on the asset (``Asset.dominant_color``); Compose reads that column, and reads
the file itself only for an image the worker has not reached yet (storing what it found).
Compose offers it as the colour input's starting value; whatever the member sends back is
checked by the pin service (``#RRGGBB``).
"""

from __future__ import annotations

import warnings
from typing import IO

from PIL import Image, UnidentifiedImageError

from publishing.access import Actor, authorize
from publishing.media import IMAGE_MAX_PIXELS
from publishing.models import Asset

# Small enough to decode fast, large enough that a few stray pixels do not win.
SAMPLE_BOX = (64, 64)
PALETTE_SIZE = 8


def image_dominant_color(handle: IO[bytes]) -> str:
    """``#RRGGBB`` of the colour covering most of the picture, or "" when it cannot be decoded.

    The picture is shrunk, reduced to a palette of a few colours (median cut) and the palette entry
    with the most pixels wins: an average would turn a red and blue image purple."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(handle, formats=["JPEG", "PNG"])
            if image.width * image.height > IMAGE_MAX_PIXELS:
                return ""
            if image.format == "JPEG":
                image.draft("RGB", (SAMPLE_BOX[0] * 2, SAMPLE_BOX[1] * 2))
            picture = image.convert("RGB")
    except (Image.DecompressionBombWarning, Image.DecompressionBombError, UnidentifiedImageError, OSError,
            SyntaxError, ValueError):
        return ""
    return picture_dominant_color(picture)


def picture_dominant_color(picture: Image.Image) -> str:
    """``#RRGGBB`` of a decoded picture (the thumbnail worker passes the one it already decoded)."""
    picture = picture.convert("RGB")
    picture.thumbnail(SAMPLE_BOX)
    palette_image = picture.quantize(colors=PALETTE_SIZE, method=Image.Quantize.MEDIANCUT)
    counts = palette_image.getcolors() or []
    if not counts:
        return ""
    _count, index = max(counts)
    palette: list[int] = palette_image.getpalette() or []
    if not isinstance(index, int):  # a palette image's colours are palette indexes
        return ""
    red, green, blue = palette[index * 3:index * 3 + 3]
    return f"#{red:02X}{green:02X}{blue:02X}"


def asset_dominant_color(*, actor: Actor, asset: Asset) -> str:
    """The asset's dominant colour ("" for a video or an unreadable file), read once and kept."""
    authorize(actor, "workspace.read", workspace=asset.workspace)
    if asset.dominant_color or asset.asset_type != Asset.Kind.IMAGE:
        return asset.dominant_color
    try:
        with asset.file.open("rb") as handle:
            color = image_dominant_color(handle)
    except OSError:  # the stored file is missing: nothing to read, nothing kept
        return ""
    if color:
        Asset.objects.filter(pk=asset.pk, dominant_color="").update(dominant_color=color)
        asset.dominant_color = color
    return color
