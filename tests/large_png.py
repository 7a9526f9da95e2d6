"""A large, valid PNG made at test time: random pixels do not compress, so the file is about as
big as its pixel data (3 bytes a pixel) and the test controls its size."""

import math
import os
from pathlib import Path

from PIL import Image


def make_noise_png(path, approximate_bytes: int) -> Path:
    path = Path(path)
    side = math.isqrt(approximate_bytes // 3)
    Image.frombytes("RGB", (side, side), os.urandom(3 * side * side)).save(path, format="PNG", compress_level=1)
    return path
