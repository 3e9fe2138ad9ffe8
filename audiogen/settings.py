"""Render settings: voices, pacing, loudness and encoding, with validated defaults.

Defaults live here; a show's ``podcast.toml`` ``[render]`` table and CLI flags
override them (CLI wins). Validation errors name the key so the user can fix it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Mapping

from audiogen.errors import AudioError, ConfigError
from audiogen.tts import engine_names


MP3_BITRATES = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)  # kb/s, MPEG-1 layer III


@dataclass(frozen=True)
class Pauses:
    """Silence in seconds inserted between pieces of narration."""

    sentence: float = 0.0  # 0 = the engine's own pause; else the silence between sentences
    paragraph: float = 0.7
    section: float = 1.6
    quote: float = 0.25  # before and after a switch to/from the quote voice
    title: float = 1.0  # after the title read


@dataclass(frozen=True)
class RenderSettings:
    engine: str = "auto"  # auto = natural voices where installed for the language, else eSpeak NG
    voice: str | None = None  # narrator; None = the engine's default for the language
    quote_voice: str | None = None  # None = a contrasting default chosen by the engine
    rate: int = 175  # words per minute
    pitch: int | None = None  # 0-99 (eSpeak); None = engine default
    quote_pitch: int | None = None
    pauses: Pauses = Pauses()
    channels: int = 1
    bitrate: int | None = None  # kb/s; None = 64 mono / 128 stereo
    loudness: float | None = None  # LUFS; None = -19 mono / -16 stereo
    true_peak: float = -1.0  # dBTP ceiling
    intro: Path | None = None  # None = bundled stinger
    outro: Path | None = None
    bed: Path | None = None  # music bed under the title read; None = bundled
    stingers: bool = True
    lexicon: Path | None = None
    cast: bool = False  # distinct voice per recurring speaker
    workers: int | None = None  # None = one per CPU core
    cache: bool = True
    author: str | None = None  # the episode's author when the article names none (a show's author comes first)

    @property
    def kbps(self) -> int:
        return self.bitrate or (64 if self.channels == 1 else 128)

    @property
    def target_lufs(self) -> float:
        return self.loudness if self.loudness is not None else (-19.0 if self.channels == 1 else -16.0)

    def merged(self, overrides: Mapping[str, Any]) -> "RenderSettings":
        """Return a copy with the non-None ``overrides`` applied (CLI flags)."""
        clean = {k: v for k, v in overrides.items() if v is not None}
        if "pauses" in clean and isinstance(clean["pauses"], Mapping):
            clean["pauses"] = replace(self.pauses, **clean["pauses"])
        return validate(replace(self, **clean))


def _num(key: str, value: Any, lo: float, hi: float, kind: type = float) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{key} must be a number, got {value!r}")
    if not lo <= value <= hi:
        raise ConfigError(f"{key} must be between {lo:g} and {hi:g}, got {value!r}")
    return kind(value)


def validate(s: RenderSettings) -> RenderSettings:
    """Check ranges and choices; raise ConfigError naming the bad key."""

    if not isinstance(s.engine, str) or s.engine.lower() not in engine_names():
        raise ConfigError(f"engine must be one of {', '.join(engine_names())}, got {s.engine!r}")
    if s.channels not in (1, 2):
        raise ConfigError(f"channels must be 1 (mono) or 2 (stereo), got {s.channels!r}")
    _num("rate", s.rate, 80, 450, int)
    if s.pitch is not None:
        _num("pitch", s.pitch, 0, 99, int)
    if s.quote_pitch is not None:
        _num("quote_pitch", s.quote_pitch, 0, 99, int)
    if s.bitrate is not None and s.bitrate not in MP3_BITRATES:
        raise ConfigError(f"bitrate must be an MP3 bitrate in kb/s such as 64 or 128, got {s.bitrate!r}")
    if s.loudness is not None:
        _num("loudness", s.loudness, -36, -9)
    _num("true_peak", s.true_peak, -9, 0)
    for f in fields(Pauses):
        _num(f"pauses.{f.name}", getattr(s.pauses, f.name), 0, 30)
    if s.workers is not None:
        _num("workers", s.workers, 1, 64, int)
    if s.author is not None and (not isinstance(s.author, str) or not s.author.strip() or len(s.author) > 200):
        raise ConfigError(f"author must be a name (text of at most 200 characters), got {s.author!r}")
    return s


def check_files(settings: RenderSettings) -> None:
    """Refuse missing stinger or lexicon files before any work starts."""
    for name in ("intro", "outro", "bed"):
        path = getattr(settings, name)
        if path is not None and settings.stingers and not Path(path).is_file():
            if Path(path).exists():
                raise AudioError(f"{name} file {path} is not a regular file; give an audio file or use --no-stingers")
            raise AudioError(f"{name} file not found: {path}; give an audio file or use --no-stingers")
    if settings.lexicon is not None and not Path(settings.lexicon).exists():  # a device: its size limit says
        raise ConfigError(f"lexicon file not found: {settings.lexicon}")


PATH_KEYS = frozenset({"intro", "outro", "bed", "lexicon"})  # settings that name files
_STR_KEYS = {"engine", "voice", "quote_voice", *PATH_KEYS}
_BOOL_KEYS = {"stingers", "cast", "cache"}
_INT_KEYS = {"rate", "pitch", "quote_pitch", "channels", "bitrate", "workers"}
_FLOAT_KEYS = {"loudness", "true_peak"}


def _check_type(key: str, value: Any) -> None:
    """TOML types per key: a string where a word is meant, true/false for switches, numbers for numbers."""
    if key in _STR_KEYS and (not isinstance(value, str) or not value.strip()):
        raise ConfigError(f"{key} must be a non-empty string in quotes, got {value!r}")
    if key in _BOOL_KEYS and not isinstance(value, bool):
        raise ConfigError(f"{key} must be true or false (no quotes), got {value!r}")
    if key in _INT_KEYS and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(f"{key} must be a whole number, got {value!r}")
    if key in _FLOAT_KEYS and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise ConfigError(f"{key} must be a number, got {value!r}")


def from_mapping(data: Mapping[str, Any], base: Path | None = None, source: str = "config") -> RenderSettings:
    """Build settings from a TOML-like mapping; relative paths resolve against ``base``."""
    known = {f.name for f in fields(RenderSettings)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(f"{source}: unknown setting {key!r} (known: {', '.join(sorted(known))})")
        try:
            _check_type(key, value)
        except ConfigError as exc:
            raise ConfigError(f"{source}: {exc}") from None
        if key == "pauses":
            if not isinstance(value, Mapping):
                raise ConfigError(f"{source}: pauses must be a table of seconds")
            pknown = {f.name for f in fields(Pauses)}
            bad = set(value) - pknown
            if bad:
                raise ConfigError(f"{source}: unknown pause {sorted(bad)[0]!r} (known: {', '.join(sorted(pknown))})")
            try:
                value = Pauses(**{k: _num(f"pauses.{k}", v, 0, 30) for k, v in value.items()})
            except ConfigError as exc:
                raise ConfigError(f"{source}: {exc}") from None
        elif key in PATH_KEYS and value is not None:
            p = Path(str(value)).expanduser()
            value = p if p.is_absolute() or base is None else base / p
        kwargs[key] = value
    try:
        return validate(RenderSettings(**kwargs))
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None
