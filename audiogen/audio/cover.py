"""The cover embedded in an episode's MP3: read whole and decoded by Pillow before any
synthesis, so a damaged, huge or non-image file is refused up front."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from audiogen.errors import AudioError
from audiogen.limits import MAX_COVER_BYTES, MAX_COVER_PIXELS, read_limited


def read_cover(path: Path) -> tuple[bytes, str]:
    """The cover's bytes and MIME type, after Pillow has decoded it fully (a damaged
    or non-image file is refused before any synthesis)."""
    data = read_limited(path, MAX_COVER_BYTES, "the cover image", AudioError, "use a smaller image (--cover)")
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            if img.width * img.height > MAX_COVER_PIXELS:  # checked before decoding the pixels
                raise AudioError(f"the cover {path} is {img.width}x{img.height} pixels, more than the limit of "
                                 f"{MAX_COVER_PIXELS:,} pixels (4096x4096); use a smaller image (--cover)")
            img.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise AudioError(f"the cover {path} is not a readable PNG or JPEG image") from None
    if fmt not in ("PNG", "JPEG"):
        raise AudioError(f"the cover {path} is {fmt or 'not an image'}; podcast apps need PNG or JPEG")
    return data, "image/png" if fmt == "PNG" else "image/jpeg"
