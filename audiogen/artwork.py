"""Cover art, the one module that uses Pillow: the cover embedded in an episode (decoded in
full before any synthesis), a show's cover checked, imported or drawn, and the site's favicons."""

from __future__ import annotations

import functools
import io
import textwrap
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from audiogen import fsutil
from audiogen.errors import AudioError, ConfigError
from audiogen.limits import MAX_COVER_BYTES, MAX_COVER_PIXELS, read_limited

COVER_MIN_PX = 1400  # a show's cover, as Apple Podcasts asks
COVER_MAX_PX = 3000
FAVICON_NAME = "favicon.png"
FAVICON_ICO = "favicon.ico"
FAVICON_PX = 64


def read_cover(path: Path) -> tuple[bytes, str]:
    """The cover's bytes and MIME type, after Pillow has decoded it fully (a damaged
    or non-image file is refused before any synthesis)."""
    data = read_limited(path, MAX_COVER_BYTES, "the cover image", AudioError, "use a smaller image (--cover)")
    fmt, size = _decoded(data)
    if fmt is None:
        raise AudioError(f"the cover {path} is not a readable PNG or JPEG image")
    if size[0] * size[1] > MAX_COVER_PIXELS:
        raise AudioError(f"the cover {path} is {size[0]}x{size[1]} pixels, more than the limit of "
                         f"{MAX_COVER_PIXELS:,} pixels (4096x4096); use a smaller image (--cover)")
    if fmt not in ("PNG", "JPEG"):
        raise AudioError(f"the cover {path} is {fmt}; podcast apps need PNG or JPEG")
    return data, "image/png" if fmt == "PNG" else "image/jpeg"


@functools.lru_cache(maxsize=4)
def _decoded(data: bytes) -> tuple[str | None, tuple[int, int]]:
    """The image's format (None when Pillow cannot decode it whole) and size, the pixels decoded
    only when within MAX_COVER_PIXELS; once per process for a cover (~25 ms: a batch's renders
    and a cluster worker's tasks share one)."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height <= MAX_COVER_PIXELS:  # checked before decoding the pixels
                img.load()
            return img.format or "not an image", img.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None, (0, 0)


def check_cover(path: Path) -> None:
    """Raise ConfigError unless ``path`` is a square RGB JPEG/PNG of 1400-3000 px named .jpg/.png."""
    if not path.is_file():
        raise ConfigError(f"cover file {path} does not exist; give an existing image or remove 'cover' to generate one")
    if path.suffix.lower() not in (".jpg", ".png"):
        raise ConfigError(f"cover file {path.name} must end in .jpg or .png (Apple Podcasts requires it)")
    try:
        with Image.open(path) as im:
            fmt, mode, (w, h) = im.format, im.mode, im.size
    except (UnidentifiedImageError, OSError):
        raise ConfigError(f"cover file {path} is not a readable JPEG or PNG image") from None
    if fmt not in ("JPEG", "PNG"):
        raise ConfigError(f"cover file {path} is {fmt}, not JPEG or PNG")
    if mode != "RGB":
        raise ConfigError(
            f"cover file {path} is in {mode} colour mode; podcast apps need RGB "
            "(re-save it as an RGB JPEG, or pass it to 'audiogen init --cover' to convert it)"
        )
    if w != h or not COVER_MIN_PX <= w <= COVER_MAX_PX:
        raise ConfigError(
            f"cover file {path} is {w}x{h}; it must be square, {COVER_MIN_PX}-{COVER_MAX_PX} px a side"
        )


def import_cover(source: Path, show_dir: Path) -> Path:
    """Copy a user's cover into the show as an RGB cover.jpg/.png, downscaled to 3000 px if larger."""
    source = Path(source).expanduser()
    if not source.is_file():
        raise ConfigError(f"cover file {source} does not exist")
    try:
        with Image.open(source) as im:
            im.load()
            fmt = im.format
            w, h = im.size
            if w != h:
                raise ConfigError(f"cover file {source} is {w}x{h}; podcast covers must be square")
            if w < COVER_MIN_PX:
                raise ConfigError(f"cover file {source} is {w}x{h}; it must be at least {COVER_MIN_PX} px a side")
            if im.mode != "RGB":
                im = im.convert("RGBA").convert("RGB") if "A" in im.mode or im.mode == "P" else im.convert("RGB")
            if w > COVER_MAX_PX:
                im = im.resize((COVER_MAX_PX, COVER_MAX_PX), Image.LANCZOS)
            target = show_dir / ("cover.png" if fmt == "PNG" else "cover.jpg")

            def save(tmp: Path, im: Any = im) -> None:
                if target.suffix == ".png":
                    im.save(tmp, format="PNG", optimize=True)
                else:
                    im.save(tmp, format="JPEG", quality=90)

            fsutil.atomic_write_with(target, save)
    except (UnidentifiedImageError, OSError) as exc:
        if isinstance(exc, OSError) and getattr(exc, "errno", None):
            raise ConfigError(f"cannot read cover file {source}: {exc.strerror or exc}") from None
        raise ConfigError(f"cover file {source} is not a readable image") from None
    return target


def generate_cover(title: str, target: Path, size: int = COVER_MAX_PX, author: str | None = None) -> None:
    """Draw a plain square cover (title, wrapped and centred) and save it as an RGB JPEG."""
    im = Image.new("RGB", (size, size), (24, 38, 58))
    draw = ImageDraw.Draw(im)
    margin = size // 10
    draw.rectangle([margin // 2, margin // 2, size - margin // 2, size - margin // 2], outline=(236, 178, 74),
                   width=max(4, size // 150))
    clean = " ".join(title.split()) or "Podcast"
    font_size = size // 9
    while True:
        font = ImageFont.load_default(size=font_size)
        avg = max(1.0, font.getlength("abcdefghijklmnopqrstuvwxyz") / 26)
        width_chars = max(4, int((size - 2 * margin) / avg))
        lines = textwrap.wrap(clean, width=width_chars, break_long_words=True)[:6]
        widths = [font.getlength(line) for line in lines]
        line_h = int(font_size * 1.2)
        if (max(widths) <= size - 2 * margin and line_h * len(lines) <= size - 3 * margin) or font_size <= 40:
            break
        font_size = int(font_size * 0.85)
    y = (size - line_h * len(lines)) // 2
    for line, w in zip(lines, widths, strict=True):
        draw.text(((size - w) / 2, y), line, font=font, fill=(245, 240, 230))
        y += line_h
    if author:
        small = ImageFont.load_default(size=max(24, size // 28))
        sw = small.getlength(author)
        draw.text(((size - sw) / 2, size - margin * 1.5), author, font=small, fill=(236, 178, 74))

    def save(tmp: Path) -> None:
        im.save(tmp, format="JPEG", quality=88, optimize=True)

    fsutil.atomic_write_with(target, save)


def favicons(cover: Path) -> dict[str, bytes]:
    """Small icons of the cover: ``favicon.png`` (the pages link it) and ``favicon.ico``
    (where feed readers and browsers look for a site's icon unasked), so neither is a 404."""
    with Image.open(cover) as im:
        im.draft("RGB", (FAVICON_PX * 2, FAVICON_PX * 2))  # JPEG: decode at a fraction of the size
        small = im.convert("RGB").resize((FAVICON_PX, FAVICON_PX), Image.LANCZOS)
    out = {}
    for name, fmt, extra in ((FAVICON_NAME, "PNG", {"optimize": True}),
                             (FAVICON_ICO, "ICO", {"sizes": [(16, 16), (32, 32), (48, 48)]})):
        buf = io.BytesIO()
        small.save(buf, format=fmt, **extra)
        out[name] = buf.getvalue()
    return out
