"""The intro and outro stingers and the music bed: decoded into the master format, levelled
to the speech target once per process (by their bytes), and the bed mixed under the title read by pydub."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from audiogen.audio import mix
from audiogen.audio.mix import STEREO_OFFSET_DB
from audiogen.audio.segment import MASTER_RATE, load_array, segment, segment_to_array, voice_over_bed
from audiogen.errors import AudioError
from audiogen.fsutil import asset_path
from audiogen.limits import MAX_AUDIO_BYTES, MAX_BED_SECONDS, MAX_STINGER_SECONDS, read_limited
from audiogen.settings import RenderSettings

BED_UNDER_VOICE_DB = -20.0
BED_ALONE_DB = -10.0


class MusicLibrary:
    """Stingers and bed in the master format, level-matched to the speech target."""

    def __init__(self, settings: RenderSettings, target: float, ceiling: float):
        self.settings = settings
        self.target = target
        self.ceiling = ceiling
        self._cache: dict[str, np.ndarray] = {}
        self._digests: dict[str, str] = {}

    def _path(self, name: str) -> Path:
        chosen = {"intro": self.settings.intro, "outro": self.settings.outro, "bed": self.settings.bed}[name]
        return Path(chosen) if chosen else asset_path(f"{name}.flac")

    def _digest(self, name: str) -> str:
        """The file's content hash, read once per render (cache keys and levelled music both use it)."""
        if name not in self._digests:
            data = read_limited(self._path(name), MAX_AUDIO_BYTES, f"the {name} file", AudioError)
            self._digests[name] = hashlib.sha256(data).hexdigest()
        return self._digests[name]

    def digests(self) -> dict[str, str]:
        """Content hashes of the music files, for the chunk cache keys."""
        return {name: self._digest(name) for name in ("intro", "outro", "bed")}

    def get(self, name: str, offset_db: float = 0.0) -> np.ndarray:
        if name not in self._cache:
            path = self._path(name)
            ch = self.settings.channels
            key = (self._digest(name), name == "bed", ch, self.target, self.ceiling)
            x = _LEVELLED.get(key)
            if x is None:
                x = load_array(path, ch, max_seconds=MAX_BED_SECONDS if name == "bed" else MAX_STINGER_SECONDS,
                               what=f"the {name} file")
                loud = mix.integrated_loudness(x, MASTER_RATE)
                if loud is None:
                    raise AudioError(f"the {name} audio {path} is silent; choose another file")
                stereo = STEREO_OFFSET_DB if ch == 2 else 0.0
                gain = 10 ** ((self.target + stereo - loud) / 20)
                x = mix.limit(x * np.float32(gain), self.ceiling)
                x.flags.writeable = False  # shared by every render in this process
                while len(_LEVELLED) >= _LEVELLED_KEPT:
                    _LEVELLED.pop(next(iter(_LEVELLED)), None)
                _LEVELLED[key] = x
            self._cache[name] = x
        x = self._cache[name]
        return x if offset_db == 0 else x * np.float32(10 ** (offset_db / 20))


# Levelled music by (file digest, bed?, channels, target, ceiling), kept for the process's next
# renders: a batch or cluster worker renders many articles with the same stingers, and decoding
# and measuring them (then six ffmpeg runs) cost about 0.3 CPU-s per render, a sixth of a short
# eSpeak episode. A few entries of seconds of audio each: flat memory.
_LEVELLED: dict[tuple, np.ndarray] = {}
_LEVELLED_KEPT = 6


def over_bed(voice: np.ndarray, bed: np.ndarray, channels: int) -> tuple[np.ndarray, int]:
    """Voice over the music bed, mixed by pydub (``audio.voice_over_bed``): seconds of audio, so
    no cost; the long narration never goes through pydub. Returns the mix and the frame where
    the voice starts."""
    mixed, start = voice_over_bed(segment(voice, channels), segment(bed, channels),
                                  alone_db=BED_ALONE_DB, under_voice_db=BED_UNDER_VOICE_DB)
    return segment_to_array(mixed), start
