"""Render many articles: independent, idempotent, in parallel, one failure never stops the rest.

An article is skipped when its episode is already on disk for the same article
bytes and the same render settings: the manifest names the source's sha256, and a
small ``<slug>.batch.json`` beside it records the settings fingerprint and the
article path. Lookups go by (sha256, fingerprint), so an unchanged article is
skipped without even being parsed; a URL's bytes are known once the page is fetched,
so an unchanged page is skipped after its fetch, before any synthesis.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import multiprocessing
import os
import signal
import sys
import time
from dataclasses import asdict, dataclass, field, fields, replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from audiogen import __version__, manifest, tts
from audiogen.cleanup import die_with_parent, own_multiprocessing_tempdir, owned_tempdir, sweep_episode_folders
from audiogen.errors import AudiogenError, InputError
from audiogen.fsutil import atomic_write_text
from audiogen.fsutil import slugify
from audiogen.limits import MAX_ARTICLE_BYTES, MAX_AUDIO_BYTES, MAX_COVER_BYTES, MAX_LEXICON_BYTES, sha256_limited
from audiogen.publish.show import held_by_another, load_show
from audiogen.read.fetch import is_url, source_key
from audiogen.settings import PATH_KEYS, RenderSettings

RECORD_SUFFIX = ".batch.json"
RECORD_VERSION = 1
RENDERED, SKIPPED, FAILED = "rendered", "skipped", "failed"
# Settings that change how fast a render runs, never what it produces.
_NOT_IN_FINGERPRINT = {"workers", "cache"}


@dataclass(frozen=True)
class ArticleResult:
    """What happened to one article of a batch."""

    article: str
    status: str  # rendered | skipped | failed
    slug: str | None = None
    mp3: str | None = None
    manifest: str | None = None
    duration: float | None = None
    seconds: float = 0.0
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to render one article (picklable)."""

    article: str
    sha256: str | None
    settings: RenderSettings
    fingerprint: str
    out_dir: Path | None  # plain output folder, or None with a show
    show_dir: Path | None
    album: str | None
    cover: Path | None
    claims: Path  # this run's slug claims (one empty file per slug)
    # A URL's finished episodes by source sha256: known once the page is fetched, then skipped.
    done: dict[str, ArticleResult] = field(default_factory=dict)


# ------------------------------------------------------------------ fingerprints and records


def _file_digest(path: Path | None) -> str | None:
    if path is None:
        return None

    return sha256_limited(path, max(MAX_AUDIO_BYTES, MAX_COVER_BYTES, MAX_LEXICON_BYTES)) or f"unreadable:{path}"


def _package_versions(names: Iterable[str]) -> list[str]:
    out = []
    for name in names:
        try:
            out.append(f"{name}-{version(name)}")
        except PackageNotFoundError:
            out.append(f"{name}-none")
    return out


def settings_fingerprint(settings: RenderSettings, *, cover: Path | None = None, album: str | None = None) -> str:
    """sha256 of everything besides the article that shapes the MP3.

    Files named by settings (stingers, lexicon, cover) count by their content; the
    worker count and cache switch do not count (they change speed, not output).
    """
    data: dict[str, Any] = {}
    for f in fields(RenderSettings):
        if f.name in _NOT_IN_FINGERPRINT:
            continue
        value = getattr(settings, f.name)
        if f.name in PATH_KEYS:
            value = _file_digest(value)
        elif f.name == "pauses":
            value = asdict(value)
        data[f.name] = value
    data["cover"] = _file_digest(cover)
    data["album"] = album
    data["audiogen"] = __version__
    data["engine_packages"] = _package_versions(tts.packages(settings.engine))
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def record_path(folder: Path, slug: str) -> Path:
    return folder / f"{slug}{RECORD_SUFFIX}"


def write_record(folder: Path, slug: str, article: str, sha256: str | None, fingerprint: str) -> Path:
    path = record_path(folder, slug)
    data = {"batch_version": RECORD_VERSION, "article": source_key(article), "source_sha256": sha256,
            "settings_fingerprint": fingerprint}
    atomic_write_text(path, json.dumps(data, indent=2) + "\n")
    return path


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _record_folders(out_dir: Path | None, show_dir: Path | None) -> list[Path]:
    if show_dir is not None:
        root = show_dir / "episodes"
        return sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    return [out_dir] if out_dir is not None and out_dir.is_dir() else []


def done_index(out_dir: Path | None, show_dir: Path | None) -> dict[tuple[str, str], ArticleResult]:
    """(source sha256, fingerprint) -> the finished episode, for every complete episode on disk.

    Complete means: a batch record, its manifest naming the same source sha256,
    and the MP3 the manifest names.
    """
    index: dict[tuple[str, str], ArticleResult] = {}
    for folder in _record_folders(out_dir, show_dir):
        for rec_path in folder.glob(f"*{RECORD_SUFFIX}"):
            slug = rec_path.name[: -len(RECORD_SUFFIX)]
            rec = _read_json(rec_path)
            manifest_file = manifest.path_for(folder, slug)
            try:
                m = manifest.read(manifest_file)
            except InputError:
                continue
            if not rec:
                continue
            sha, fp = rec.get("source_sha256"), rec.get("settings_fingerprint")
            mp3 = folder / m.mp3
            if not sha or m.source_sha256 != sha or not mp3.is_file():
                continue
            index[(sha, fp)] = ArticleResult(str(rec.get("article") or ""), SKIPPED, slug=slug, mp3=str(mp3), manifest=str(manifest_file),
                                             duration=m.duration)
    return index


# ------------------------------------------------------------------ one article


def _claim(claims: Path, slug: str) -> bool:
    try:
        fd = os.open(claims / slug, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def choose_slug(base: str, job: Job) -> tuple[str, Path]:
    """A slug for this article and its folder: the title's slug, or ``-2``, ``-3``... when
    another article of this run, or an earlier render of another article, holds it."""
    show = load_show(job.show_dir) if job.show_dir is not None else None
    for n in range(1, 1000):
        slug = base if n == 1 else f"{base[:56]}-{n}"
        folder = show.episode_dir(slug) if show is not None else job.out_dir
        assert folder is not None
        if held_by_another(folder, slug, source_key(job.article)):
            continue
        if _claim(job.claims, slug):
            return slug, folder
    raise InputError(f"too many articles titled like {base!r}")


def render_article(job: Job) -> ArticleResult:
    """Render one article; every failure comes back as a result, never as an exception."""
    t0 = time.perf_counter()
    try:
        return _render_article(job, t0)
    except AudiogenError as exc:
        return ArticleResult(job.article, FAILED, seconds=round(time.perf_counter() - t0, 2), error=str(exc))
    except Exception as exc:  # a bug: one line, and the other articles still render
        return ArticleResult(job.article, FAILED, seconds=round(time.perf_counter() - t0, 2),
                             error=f"internal error ({type(exc).__name__}: {exc}); please report it")


def _render_article(job: Job, t0: float) -> ArticleResult:
    from audiogen import pipeline  # in the pool's processes; a cluster client never renders

    if job.article == "-":
        raise InputError("batch reads article files; use 'audiogen episode -' to read stdin")
    source = pipeline.load_source(job.article, settings=job.settings)
    done = job.done.get(source.sha256 or "")
    if done is not None:  # the page has not changed since its episode was made
        _claim(job.claims, done.slug or "")
        return replace(done, article=job.article, seconds=round(time.perf_counter() - t0, 2))
    slug, folder = choose_slug(slugify(source.script.title), job)
    show = load_show(job.show_dir) if job.show_dir is not None else None
    episode = pipeline.render(source, job.settings, folder, show=show, slug=slug, cover=job.cover, album=job.album)
    write_record(folder, slug, job.article, source.sha256, job.fingerprint)
    return ArticleResult(job.article, RENDERED, slug=slug, mp3=str(episode.mp3),
                         manifest=str(manifest.path_for(episode.mp3.parent, episode.slug)), duration=episode.duration,
                         seconds=round(time.perf_counter() - t0, 2))


# ------------------------------------------------------------------ the batch


def _sha256(path: str) -> str | None:
    if is_url(path):
        return None  # a page is fetched (and its bytes hashed) when it renders

    return sha256_limited(path, MAX_ARTICLE_BYTES)  # None: the render reports why it cannot be read


def _unique(articles: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for a in articles:
        key = source_key(a)
        if key not in seen:
            seen.add(key)
            out.append(a)
    return out


def urls_done(index: dict[tuple[str, str], ArticleResult], fingerprint: str) -> dict[str, dict[str, ArticleResult]]:
    """The finished episodes of URL articles rendered with ``fingerprint``: {url: {sha256 of its page: result}}.
    A URL's bytes are known only once fetched; its render is skipped when they hash to one of these."""
    by_url: dict[str, dict[str, ArticleResult]] = {}
    for (sha, fp), done in index.items():
        if fp == fingerprint and is_url(done.article):
            by_url.setdefault(done.article, {})[sha] = done
    return by_url


def workers_per_render(jobs: int, cpus: int | None = None) -> int:
    """Synthesis processes per article so that ``jobs`` renders at once use about all cores."""
    return max(1, (cpus or os.cpu_count() or 1) // max(1, jobs))


def _worker_init() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    die_with_parent()  # never outlives the batch (a SIGKILL of it included)

    def stop(signum, frame):  # unwind the render cleanly (encoder killed, temp files removed)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


def run_batch(
    articles: Iterable[str],
    settings: RenderSettings,
    *,
    out_dir: Path | None = None,
    show_dir: Path | None = None,
    album: str | None = None,
    cover: Path | None = None,
    jobs: int = 1,
    force: bool = False,
    on_result: Callable[[ArticleResult], None] | None = None,
) -> list[ArticleResult]:
    """Render ``articles`` (skipping finished ones unless ``force``); results in input order.

    With ``jobs`` > 1 articles render in parallel processes, each with a share of the
    cores for synthesis (unless ``settings.workers`` is set). Nothing is published
    here: with a show, the caller rebuilds the feed once afterwards.
    """

    articles = _unique(articles)
    if show_dir is not None:
        sweep_episode_folders(load_show(show_dir).episodes_dir)  # left by renders that were killed
    if jobs > 1 and settings.workers is None:
        settings = replace(settings, workers=workers_per_render(min(jobs, max(1, len(articles)))))
    fingerprint = settings_fingerprint(settings, cover=cover, album=album)
    index = {} if force else done_index(out_dir, show_dir)
    results: dict[int, ArticleResult] = {}
    todo: list[tuple[int, Job]] = []

    def finish(i: int, result: ArticleResult) -> None:
        results[i] = result
        if on_result:
            on_result(result)

    by_url = urls_done(index, fingerprint)
    with owned_tempdir("audiogen-batch-") as claims:
        for i, article in enumerate(articles):
            sha = _sha256(article) if article != "-" else None
            done = index.get((sha, fingerprint)) if sha else None
            if done is not None:
                # Claim its slug so that no other article of this run takes it.
                _claim(Path(claims), done.slug or "")
                finish(i, replace(done, article=article))
                continue
            todo.append((i, Job(article, sha, settings, fingerprint, out_dir, show_dir, album, cover, Path(claims),
                                done=by_url.get(source_key(article), {}))))
        if jobs <= 1 or len(todo) <= 1:
            for i, job in todo:
                finish(i, render_article(job))
        else:
            for i, result in _parallel(todo, jobs):
                finish(i, result)
    return [results[i] for i in range(len(articles))]


def _parallel(todo: list[tuple[int, Job]], jobs: int) -> Iterator[tuple[int, ArticleResult]]:
    """Render in a process pool. When a worker dies (a crash in the engine kills the whole
    pool), the articles it took down are retried one by one, each in its own process, so
    only the article that crashes is reported."""
    broken: list[tuple[int, Job]] = []
    yield from _pool_run(todo, jobs, broken)
    for item in broken:
        retry: list[tuple[int, Job]] = []
        yield from _pool_run([item], 1, retry)
        for i, job in retry:
            yield i, ArticleResult(job.article, FAILED, error="the process rendering it crashed; "
                                   "try it alone with 'audiogen episode' to see why")


def _pool_run(todo: list[tuple[int, Job]], jobs: int, broken: list[tuple[int, Job]]
              ) -> Iterator[tuple[int, ArticleResult]]:

    own_multiprocessing_tempdir()
    ctx = multiprocessing.get_context("forkserver" if sys.platform.startswith("linux") else "spawn")
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(["audiogen.tts._forkserver", "audiogen.tts.synth"])  # dies with this process
    pool = cf.ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=ctx, initializer=_worker_init)
    try:
        futures = {pool.submit(render_article, job): (i, job) for i, job in todo}
        for fut in cf.as_completed(futures):
            i, job = futures[fut]
            try:
                result = fut.result()
            except cf.process.BrokenProcessPool:
                broken.append((i, job))
                continue
            yield i, result
    except BaseException:
        procs = list((getattr(pool, "_processes", None) or {}).values())  # no public API for this
        pool.shutdown(wait=False, cancel_futures=True)
        # Stop renders in progress; each unwinds (encoder killed, temp files removed).
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
        for proc in procs:
            proc.join(timeout=10)
        raise
    finally:
        pool.shutdown(wait=True)
