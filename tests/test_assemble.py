"""audiogen.audio.assemble: how many encoders a render keeps running beside its synthesis."""

from __future__ import annotations

from pathlib import Path

import pytest

from audiogen import pipeline
from audiogen.audio import assemble, episode
from audiogen.settings import RenderSettings

from conftest import decode


def test_a_one_core_render_encodes_each_chunk_before_the_next(tmp_path: Path, monkeypatch) -> None:
    """With one core (a cluster worker, ``-j 1``) each chunk is encoded before the next is
    synthesized: a worker busy on two cores made two workers on two cores only 1.3x one."""
    encoders: list = []
    beside: list[int] = []
    made, pcm = assemble.mix.ChunkEncode, assemble.chunk_pcm

    def encode(*args, **kwargs):
        encoders.append(made(*args, **kwargs))
        return encoders[-1]

    def chunk_pcm(*args, **kwargs):
        beside.append(sum(1 for e in encoders if not e.done()))
        return pcm(*args, **kwargs)

    monkeypatch.setattr(assemble.mix, "ChunkEncode", encode)
    monkeypatch.setattr(assemble, "chunk_pcm", chunk_pcm)
    art = tmp_path / "a.md"
    art.write_text("# Four Parts\n\n" + "".join(f"## Part {n}\n\nThe tide turns at {n} o'clock. Boats wait.\n\n"
                                              for n in range(1, 5)), encoding="utf-8")
    settings = RenderSettings(engine="fake", stingers=False, workers=1)
    ep = episode.render(pipeline.load_source(str(art)).script, tmp_path / "out", settings, cache_dir=tmp_path / "c")
    assert len(encoders) >= 5 and max(beside) == 0, beside
    assert decode(ep.mp3).size / 44100 == pytest.approx(ep.duration, abs=0.05)
