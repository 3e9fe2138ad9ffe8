"""ID3 tags as an independent reader (ffmpeg's ID3 demuxer) sees them."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import ffmpeg, ffmpeg_chapters

from audiogen.audio.tags import TagInfo, read_chapters, write_tags
from audiogen.manifest import Chapter

LONG = ("Talking With Michael Jackson Inspired Justin Timberlake, Who Then Spent "
        "Ten Years Writing the Songs Nobody Heard")


def _mp3(path: Path, seconds: float = 3.0) -> Path:
    subprocess.run([ffmpeg(), "-v", "error", "-f", "lavfi", "-i", f"anullsrc=r=44100:cl=mono",
                    "-t", str(seconds), "-c:a", "libmp3lame", "-b:a", "64k", str(path)], check=True)
    return path


def test_chapter_titles_are_written_whole(tmp_path: Path) -> None:
    mp3 = _mp3(tmp_path / "a.mp3")
    titles = ["Intro", LONG, "Ünïcödé — “quoted” chapter that is also well over fifty characters long", "Outro"]
    chapters = tuple(Chapter(t, i * 0.7, (i + 1) * 0.7) for i, t in enumerate(titles))
    write_tags(mp3, TagInfo(title="T", artist="A", album=None, date=None, comment=None,
                            duration_ms=2800, chapters=chapters))
    seen = ffmpeg_chapters(mp3)
    assert [c["title"] for c in seen] == titles
    assert [t for t, _, _ in read_chapters(mp3)] == titles
