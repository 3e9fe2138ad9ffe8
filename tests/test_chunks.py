"""Cutting the plan into chunks (content-defined, stable under edits) and the chunk store."""

from __future__ import annotations

import json
from pathlib import Path

from audiogen.audio import chunks
from audiogen.tts.synth import ClipCache


def _plan(paragraphs: list[str], chapters: int = 1) -> list[tuple]:
    items: list[tuple] = []
    for c in range(chapters):
        items.append(("mark", f"Chapter {c}"))
        for p in paragraphs:
            items += [("speech", p), ("pause", True)]
    return items


def _split(items):
    return chunks.split(items, lambda it: it[0] == "mark", lambda it: it[0] == "pause" and it[1],
                        lambda it: it[1] if it[0] == "speech" else None)


PARAS = [f"Paragraph {i} tells how the harbour changed in year {1900 + 7 * i}, and who paid for it. " * 4
         for i in range(60)]


def test_every_chapter_starts_a_chunk_and_nothing_is_lost():
    items = _plan(PARAS[:5], chapters=3)
    got = _split(items)
    assert [it for piece in got for it in piece] == items
    assert sum(1 for piece in got if piece[0][0] == "mark") == 3
    assert all(sum(1 for it in piece if it[0] == "mark") <= 1 for piece in got)


def test_chunks_are_bounded_and_an_edit_changes_only_its_own_chunk():
    items = _plan(PARAS)
    got = _split(items)
    sizes = [sum(len(it[1]) for it in piece if it[0] == "speech") for piece in got]
    assert len(got) > 3
    assert all(s <= chunks.MAX_CHARS + max(len(p) for p in PARAS) for s in sizes)
    assert all(s >= chunks.MIN_CHARS for s in sizes[:-1])
    edited = list(PARAS)
    edited[20] = edited[20].replace("harbour", "harbour wall")
    other = _split(_plan(edited))
    changed = [p for p in other if p not in got]
    assert len(changed) == 1 and ("speech", edited[20]) in changed[0]
    # inserting a paragraph: the cut points re-align after a chunk or two
    inserted = PARAS[:20] + ["A new paragraph about the ferry. " * 6] + PARAS[20:]
    third = _split(_plan(inserted))
    assert sum(1 for p in third if p not in got) <= 3


def test_store_refuses_damaged_entries_and_prune_counts_chunks(tmp_path: Path):
    store = chunks.ChunkStore(tmp_path)
    key = chunks.key(["example"])
    tmp = store.temp_path(key)
    tmp.write_bytes(b"\xff\xfb" + bytes(5000))
    meta = store.put(key, tmp, store.measure(tmp, {"samples": 10, "marks": [], "cues": [], "momentary": [],
                                                   "short": [], "true_peak": None}))
    assert store.get(key) == meta
    store.mp3(key).write_bytes(b"\xff\xfb" + bytes(4999))
    assert store.get(key) is None and not store.mp3(key).exists()
    assert not store.mp3(key).with_suffix(".json").exists()
    tmp = store.temp_path(key)
    tmp.write_bytes(bytes(3 * 1024 * 1024))
    store.put(key, tmp, store.measure(tmp, {"samples": 1, "marks": [], "cues": [], "momentary": [], "short": [],
                                            "true_peak": None}))
    freed = ClipCache(tmp_path, cap_mb=1).prune()
    assert freed >= 3 * 1024 * 1024 and store.get(key) is None
    assert json.loads(json.dumps(meta.__dict__))["samples"] == 10


def test_prune_removes_clips_before_encoded_chunks(tmp_path: Path):
    store = chunks.ChunkStore(tmp_path)
    key = chunks.key(["kept"])
    tmp = store.temp_path(key)
    tmp.write_bytes(b"\xff\xfb" + bytes(600 * 1024))
    store.put(key, tmp, store.measure(tmp, {"samples": 1, "marks": [], "cues": [], "momentary": [], "short": [],
                                            "true_peak": None}))
    cache = ClipCache(tmp_path, cap_mb=1)
    for i in range(3):  # written after the chunk, yet removed first
        cache.write(f"{i:02d}" + "0" * 62, bytes(300 * 1024))
    cache.prune()
    assert store.get(key) is not None
    assert sum(1 for _ in (tmp_path / "clips").glob("*/*.pcm")) <= 1


def test_prune_never_touches_a_render_in_progress(tmp_path: Path):
    """A render's work folder (``chunks/.work-*``) holds chunks still being encoded: an over-full
    cache pruned by another render must not delete them, however old they look."""
    import os

    from audiogen.cleanup import owned_tempdir

    store = chunks.ChunkStore(tmp_path)
    with owned_tempdir(".work-", dir=store.root) as work:
        encoding = Path(work, "0.mp3")
        encoding.write_bytes(bytes(3 * 1024 * 1024))
        os.utime(encoding, (1, 1))  # the oldest file in the cache
        assert ClipCache(tmp_path, cap_mb=1).prune() == 0
        assert encoding.stat().st_size == 3 * 1024 * 1024


def test_prune_survives_a_work_folder_that_vanishes_while_it_looks(tmp_path: Path, monkeypatch):
    """Another render removes its work folder when it ends, maybe while this one prunes (pathlib's
    glob raised FileNotFoundError on the vanished folder and failed a finished render)."""
    import os

    store = chunks.ChunkStore(tmp_path)
    (store.root / ".work-gone").mkdir()
    real = os.scandir

    def scandir(path="."):
        if str(path).endswith(".work-gone"):
            raise FileNotFoundError(2, "No such file or directory", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert ClipCache(tmp_path, cap_mb=1).prune() == 0


def test_a_cached_chunk_pruned_by_another_render_is_still_joined(tmp_path: Path, monkeypatch):
    """Two renders share an over-full cache: one's prune may delete chunks the other planned to
    join from the cache. Each render pins its cached chunks first (hard links in its own folder),
    so it finishes whole ("an encoded chunk left the cache during the render" before)."""
    from audiogen import pipeline
    from audiogen.audio import episode, mp3join
    from audiogen.settings import RenderSettings

    from conftest import decode

    art = tmp_path / "a.md"
    art.write_text("# Three Parts\n\n" + "".join(f"## Part {n}\n\nThe tide turns at {n} o'clock.\n\n"
                                               for n in range(1, 4)), encoding="utf-8")
    script = pipeline.load_source(str(art)).script
    settings = RenderSettings(engine="fake", stingers=False, workers=1)
    cache = tmp_path / "cache"
    first = episode.render(script, tmp_path / "one", settings, cache_dir=cache)
    shards = cache / "chunks"
    add = mp3join.Joiner.add

    def add_then_prune_all(self, chunk):  # another render prunes the whole cache meanwhile
        add(self, chunk)
        for f in shards.glob("[0-9a-f][0-9a-f]/*"):
            f.unlink()

    monkeypatch.setattr(mp3join.Joiner, "add", add_then_prune_all)
    again = episode.render(script, tmp_path / "two", settings, cache_dir=cache)
    assert again.mp3.read_bytes()[-4096:] == first.mp3.read_bytes()[-4096:]  # the same audio, from the cache
    assert decode(again.mp3).size / 44100 == __import__("pytest").approx(first.duration, abs=0.05)
    assert not list(shards.glob(".work-*"))  # its pins went with its folder
