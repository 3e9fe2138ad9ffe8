"""Join separately encoded CBR MP3 chunks into one stream with one correct Info/LAME header.

Each chunk is what ffmpeg/LAME wrote for one stretch of the episode: an Info frame,
then audio frames. Their bit reservoirs start empty, so the audio frames can simply
follow each other. What changes is bookkeeping:

- the decoder trims ``delay + 529`` samples at the start of the *file* only, so chunk
  ``k`` starts exactly ``1152 * (audio frames of chunks before k)`` samples in;
- between chunks, the previous chunk's padding and the next one's encoder delay stay
  in the timeline (25-50 ms of silence, since chunks are cut inside pauses);
- the Info frame of the first chunk is patched: frame and byte counts, TOC, the last
  chunk's end padding, music length and CRC, and the LAME tag CRC.
"""

from __future__ import annotations

import shutil
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from audiogen.errors import AudioError

FRAME_SAMPLES = 1152
DECODER_DELAY = 529
_BITRATES = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_RATES = (44100, 48000, 32000)
# Offsets from the "Info" tag: flags, frames, bytes, TOC, quality, then the LAME tag.
_LAME = 120
_DELAY_PAD = _LAME + 21
_MUSIC_LEN = _LAME + 28
_MUSIC_CRC = _LAME + 32
_TAG_CRC = _LAME + 34


def _crc16_table() -> list[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0xA001 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc16_table()


def crc16(data: bytes, crc: int = 0) -> int:
    """CRC-16/ARC, the checksum of the LAME tag (slow: for short data)."""
    for b in data:
        crc = (crc >> 8) ^ _TABLE[(crc ^ b) & 0xFF]
    return crc


def _gf2_times(mat: list[int], vec: int) -> int:
    out, i = 0, 0
    while vec:
        if vec & 1:
            out ^= mat[i]
        vec >>= 1
        i += 1
    return out


def _gf2_square(mat: list[int]) -> list[int]:
    return [_gf2_times(mat, m) for m in mat]


def crc16_combine(crc1: int, crc2: int, len2: int) -> int:
    """CRC-16/ARC of A+B from crc(A), crc(B) and len(B), in O(log len(B)) (as zlib's crc32_combine)."""
    if len2 <= 0:
        return crc1
    # Operator for one zero bit on the reflected register, then squared up to bytes.
    odd = [0xA001] + [1 << (i - 1) for i in range(1, 16)]
    even = _gf2_square(odd)  # two zero bits
    odd = _gf2_square(even)  # four zero bits
    while True:
        even = _gf2_square(odd)  # first pass: one zero byte
        if len2 & 1:
            crc1 = _gf2_times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = _gf2_square(even)
        if len2 & 1:
            crc1 = _gf2_times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


@dataclass(frozen=True)
class Chunk:
    """What the join needs to know about one encoded chunk file."""

    path: Path
    info_len: int  # bytes of the Info frame
    frames: int  # audio frames after it
    delay: int  # LAME encoder delay (576)
    padding: int  # LAME end padding (includes the decoder's 529)
    music_crc: int
    audio_bytes: int


def _frame_len(header: bytes) -> int:
    if len(header) < 4 or header[0] != 0xFF or (header[1] & 0xE0) != 0xE0 or (header[1] & 0x1E) != 0x1A:
        raise AudioError("an encoded chunk is not MPEG-1 Layer III audio; clear the cache (AUDIOGEN_CACHE_DIR)")
    bitrate = _BITRATES[(header[2] >> 4) & 0xF] * 1000
    rate = _RATES[(header[2] >> 2) & 0x3]
    return 144 * bitrate // rate + ((header[2] >> 1) & 1)


def _stream_kind(header: bytes | bytearray) -> tuple[int, int, int]:
    """Version/layer, bitrate/sample rate and channel mode of a frame header (not its padding bit)."""
    return header[1], header[2] & 0xFD, header[3] & 0xC0


def read_chunk(path: Path) -> Chunk:
    """Parse the Info frame ffmpeg wrote at the start of ``path``."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
            size = fh.seek(0, 2)
    except OSError as exc:
        raise AudioError(f"an encoded chunk could not be read ({exc.strerror}); run again") from None
    info_len = _frame_len(head[:4])
    k = head.find(b"Info", 0, info_len)
    if k < 0:
        raise AudioError(f"the encoded chunk {path.name} has no Info header; clear the cache (AUDIOGEN_CACHE_DIR)")
    frames, nbytes = struct.unpack_from(">II", head, k + 8)
    dp = int.from_bytes(head[k + _DELAY_PAD:k + _DELAY_PAD + 3], "big")
    (music_crc,) = struct.unpack_from(">H", head, k + _MUSIC_CRC)
    if nbytes != size:
        raise AudioError(f"the encoded chunk {path.name} is incomplete; clear the cache (AUDIOGEN_CACHE_DIR)")
    return Chunk(path, info_len, frames, dp >> 12, dp & 0xFFF, music_crc, size - info_len)


class Joiner:
    """Append chunks to an open file in order, then patch the header with ``finish()``."""

    def __init__(self, fh: BinaryIO):
        self.fh = fh
        self._info: bytearray | None = None
        self._start = fh.tell()
        self.frames = 0
        self.audio_bytes = 0
        self._crc = 0
        self._delay = 0
        self._padding = 0

    def offset_samples(self) -> int:
        """Where, in the decoded timeline, the next chunk added will start."""
        return self.frames * FRAME_SAMPLES

    def add(self, chunk: Chunk) -> None:
        with open(chunk.path, "rb") as src:
            info = src.read(chunk.info_len)
            if self._info is None:
                self._info = bytearray(info)
                self._delay = chunk.delay
                self.fh.write(bytes(len(info)))  # placeholder until finish()
            elif _stream_kind(info) != _stream_kind(self._info):
                raise AudioError("encoded chunks do not match (channels or bitrate); clear the cache")
            shutil.copyfileobj(src, self.fh, 1 << 20)
        self._crc = crc16_combine(self._crc, chunk.music_crc, chunk.audio_bytes)
        self.frames += chunk.frames
        self.audio_bytes += chunk.audio_bytes
        self._padding = chunk.padding

    def decoded_samples(self) -> int:
        """Length of the decoded stream: all frames, less the start delay and the end padding."""
        return self.frames * FRAME_SAMPLES - (self._delay + DECODER_DELAY) - (self._padding - DECODER_DELAY)

    def finish(self) -> int:
        """Write the real Info frame; return the decoded length in samples."""
        if self._info is None:
            raise AudioError("nothing was encoded")
        info = self._info
        k = info.find(b"Info")
        total = len(info) + self.audio_bytes
        struct.pack_into(">II", info, k + 8, self.frames, total)
        (flags,) = struct.unpack_from(">I", info, k + 4)
        if flags & 0x4:
            info[k + 16:k + 116] = bytes(i * 256 // 100 for i in range(100))
        info[k + _DELAY_PAD:k + _DELAY_PAD + 3] = ((self._delay << 12) | self._padding).to_bytes(3, "big")
        struct.pack_into(">IH", info, k + _MUSIC_LEN, total, self._crc)
        struct.pack_into(">H", info, k + _TAG_CRC, crc16(bytes(info[:k + _TAG_CRC])))
        end = self.fh.tell()
        self.fh.seek(self._start)
        self.fh.write(info)
        self.fh.seek(end)
        return self.decoded_samples()
