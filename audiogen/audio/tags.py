"""ID3v2.3 tags and chapters with mutagen, in the frame order podcast apps need.

mutagen's sharp edges, handled here:
- it sorts frames by priority and size on save, which scrambles CHAP order
  (AntennaPod and others read chapters in file order): we write CTOC first and
  CHAPs in time order;
- it keeps v2.4-only frames in a v2.3 tag unless ``update_to_v23()`` is called.

Chapter titles are written whole: players show the ID3 title, and the feed, JSON
chapters and site carry the whole one too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mutagen.id3 import APIC, CHAP, COMM, CTOC, ID3, TALB, TCON, TDRC, TIT2, TLAN, TLEN, TPE1, CTOCFlags
from mutagen.id3._tags import save_frame

from audiogen.errors import AudioError
from audiogen.manifest import Chapter
from audiogen.text import clean as _clean  # players show control characters as boxes

CTOC_MAX_ENTRIES = 255  # an ID3 CTOC frame counts its entries in one byte
@dataclass(frozen=True)
class TagInfo:
    title: str
    artist: str | None
    album: str | None
    date: str | None  # ISO date or year
    comment: str | None
    duration_ms: int
    chapters: tuple[Chapter, ...] = ()  # seconds; CHAP frames carry whole milliseconds
    cover: bytes | None = None
    cover_mime: str = "image/png"
    genre: str = "Podcast"
    language: str = "eng"


class OrderedID3(ID3):
    """ID3 that writes text frames, then CTOC, then CHAPs by start time, then APIC."""

    def _write(self, config):  # noqa: D401 - mutagen hook
        def rank(frame):
            fid = frame.FrameID
            if fid == "CTOC":
                return (1, 0)
            if fid == "CHAP":
                return (2, frame.start_time)
            if fid == "APIC":
                return (3, 0)
            return (0, 0)

        frames = sorted(self.values(), key=rank)
        data = [save_frame(f, config=config) for f in frames]
        if self._unknown_v2_version == config.v2_version:
            data.extend(d for d in self.unknown_frames if len(d) > 10)
        return bytearray().join(data)


def _ms(seconds: float) -> int:
    return int(round(seconds * 1000))


def write_tags(path: Path | str, info: TagInfo) -> None:
    """Replace any tag on the MP3 at ``path`` with an ID3v2.3 tag built from ``info``."""

    tags = OrderedID3()
    tags.add(TIT2(encoding=3, text=[_clean(info.title)]))
    if info.artist:
        tags.add(TPE1(encoding=3, text=[_clean(info.artist)]))
    if info.album:
        tags.add(TALB(encoding=3, text=[_clean(info.album)]))
    if info.date:
        tags.add(TDRC(encoding=3, text=[_clean(info.date)]))
    tags.add(TCON(encoding=3, text=[info.genre]))
    if info.language:
        tags.add(TLAN(encoding=3, text=[info.language[:3]]))  # ISO 639-2, as ID3v2.3 asks
    if info.comment:
        tags.add(COMM(encoding=3, lang=info.language[:3] or "eng", desc="", text=[_clean(info.comment)]))
    tags.add(TLEN(encoding=3, text=[str(int(info.duration_ms))]))
    if info.chapters:
        ids = [f"chp{i}" for i in range(len(info.chapters))]
        if len(ids) <= CTOC_MAX_ENTRIES:
            tags.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                          child_element_ids=ids, sub_frames=[TIT2(encoding=3, text=["Chapters"])]))
        else:  # a CTOC lists at most 255 entries (one byte): nest tables of up to 255 chapters each
            groups = [ids[i:i + CTOC_MAX_ENTRIES] for i in range(0, len(ids), CTOC_MAX_ENTRIES)]
            if len(groups) > CTOC_MAX_ENTRIES:
                raise AudioError(f"{len(ids)} chapters are more than an ID3 table of contents can hold")
            tags.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                          child_element_ids=[f"toc{g}" for g in range(len(groups))],
                          sub_frames=[TIT2(encoding=3, text=["Chapters"])]))
            for g, group in enumerate(groups):
                tags.add(CTOC(element_id=f"toc{g}", flags=CTOCFlags.ORDERED, child_element_ids=group,
                              sub_frames=[TIT2(encoding=3, text=[f"Chapters {g * CTOC_MAX_ENTRIES + 1}-"
                                                                 f"{g * CTOC_MAX_ENTRIES + len(group)}"])]))
        for cid, ch in zip(ids, info.chapters):
            tags.add(CHAP(element_id=cid, start_time=_ms(ch.start), end_time=_ms(ch.end),
                          start_offset=0xFFFFFFFF, end_offset=0xFFFFFFFF,
                          sub_frames=[TIT2(encoding=3, text=[_clean(ch.title)])]))
    if info.cover:
        tags.add(APIC(encoding=3, mime=info.cover_mime, type=3, desc="Cover", data=info.cover))
    tags.update_to_v23()
    try:
        tags.save(str(path), v1=0, v2_version=3, padding=lambda info: 0)
    except Exception as exc:
        raise AudioError(f"could not write tags to {path}: {exc}") from None


def read_chapters(path: Path | str) -> list[tuple[str, int, int]]:
    """(title, start_ms, end_ms) of each CHAP frame, in file order (for checks and tools)."""

    tags = ID3(str(path))
    return [(str(f.sub_frames["TIT2"].text[0]) if "TIT2" in f.sub_frames else "", f.start_time, f.end_time)
            for f in tags.values() if f.FrameID == "CHAP"]


_ISO639 = {
    "en": "eng", "de": "deu", "fr": "fra", "es": "spa", "it": "ita", "nl": "nld", "pt": "por", "sv": "swe",
    "da": "dan", "no": "nor", "nb": "nob", "nn": "nno", "fi": "fin", "pl": "pol", "ru": "rus", "ja": "jpn",
    "zh": "zho", "ca": "cat", "gl": "glg", "eu": "eus", "cs": "ces", "sk": "slk", "hu": "hun", "ro": "ron",
    "el": "ell", "tr": "tur", "uk": "ukr", "bg": "bul", "hr": "hrv", "sr": "srp", "sl": "slv", "lt": "lit",
    "lv": "lav", "et": "est", "is": "isl", "ga": "gle", "cy": "cym", "af": "afr", "ar": "ara", "he": "heb",
    "hi": "hin", "ko": "kor", "vi": "vie", "id": "ind", "ms": "msa", "th": "tha", "fa": "fas", "lb": "ltz",
}  # fmt: skip


def iso639_2(lang: str) -> str:
    """The ISO 639-2 code ID3's TLAN and COMM frames want for a BCP 47 language tag ("pt-BR" -> "por")."""
    code = (lang or "en").split("-")[0].lower()
    return _ISO639.get(code, code if len(code) == 3 else "und")  # "und": undetermined (ISO 639-2)
