"""The worker half of ``--cluster``: a WorkerPlugin that sets a worker process up once, and the task.

Imported by Dask workers (and by the client only when there is work to send), so
importing :mod:`audiogen.run.cluster` alone does not load Dask. The client imports this
module to send its plugin and tasks, before the workers can start warming up: what only a
worker runs (the pipeline, numpy) is imported where it is used, which spares the client's
start about 0.3 s.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable

from distributed import Worker, get_worker
from distributed.diagnostics.plugin import WorkerPlugin

from audiogen.errors import AudiogenError, ClusterError
from audiogen.fsutil import atomic_write_bytes
from audiogen.settings import RenderSettings

RENDERED, FAILED = "rendered", "failed"  # as in audiogen.run.batch
UNCHANGED = "unchanged"  # a URL whose page is the one already rendered
log = logging.getLogger(__name__)
_WARMUP_ARTICLE = "# Warm-up\n\nThe harbour was quiet that morning. \u201cWe sail at nine,\u201d said Jo Marsh.\n"


@dataclass(frozen=True)
class Shipped:
    """A file the client holds that every worker needs (a stinger, the lexicon, the cover)."""

    name: str  # base name: its suffix tells the format
    data: bytes

    def materialize(self, root: Path) -> Path:
        """Write it once under ``root``, content-addressed; return its path on this host."""
        digest = hashlib.sha256(self.data).hexdigest()[:24]
        path = root / digest / self.name
        if not path.is_file():
            atomic_write_bytes(path, self.data)
        return path


@dataclass(frozen=True)
class TaskInput:
    """One article as the client read it: worker hosts need not see the client's files."""

    name: str  # the article's resolved path on the client, or a URL the worker fetches
    data: bytes | None  # None for a URL
    sha256: str
    known: tuple[str, ...] = ()  # a URL: sha256s of its pages already rendered with these settings


@dataclass(frozen=True)
class TaskOutput:
    """What a task hands back: the episode's files (or where they are in the store), or an error."""

    status: str  # rendered | failed | unchanged
    slug: str | None = None  # the slug the files are named after (the client may rename them)
    files: dict[str, bytes] = field(default_factory=dict)
    stored: tuple[str, ...] = ()  # with a store: file names under ``store_prefix``
    store_prefix: str | None = None
    duration: float | None = None
    seconds: float = 0.0
    worker: str | None = None
    error: str | None = None
    sha256: str | None = None  # of the article's bytes (a URL's are known only once fetched)
    extra: dict[str, Any] = field(default_factory=dict)  # follow: the script digest, link and Episode


# ------------------------------------------------------------------ worker side


class AudiogenPlugin(WorkerPlugin):
    """Sets a worker process up for one batch's settings: files written to the worker's
    folder, the engine loaded, the voices levelled and the stingers loaded (for a one-line
    article: what a render does before it speaks).

    Registered under a name derived from the settings fingerprint and ``idempotent``, so
    a re-run (or another client with the same settings) reuses the warm workers.
    """

    idempotent = True

    def __init__(self, fingerprint: str, settings: RenderSettings, files: dict[str, Shipped],
                 cover: Shipped | None, album: str | None):
        self.name = f"audiogen-{fingerprint[:16]}"
        self.fingerprint = fingerprint
        self._settings = settings
        self._files = files
        self._cover = cover
        self.album = album
        self.settings: RenderSettings | None = None
        self.cover: Path | None = None
        self.lexicon: Any = None
        self.heap_tuned = False
        self.error: str | None = None
        self.ready: Any = None  # the warm-up's concurrent.futures.Future
        self.lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("lock", None)
        state["ready"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.lock = threading.Lock()

    def setup(self, worker: Any) -> None:
        root = Path(worker.local_directory) / "audiogen-files"
        try:
            paths = {k: s.materialize(root) for k, s in self._files.items()}
            self.cover = self._cover.materialize(root) if self._cover else None
            # One synthesis process: the worker process is the unit of parallelism (and, under a
            # nanny, a daemon that may not start a pool of its own).
            settings = replace(self._settings, workers=1, **paths)
            if settings.lexicon is not None:
                from audiogen.script.speech import load_lexicon  # worker side: kept off the client's start

                self.lexicon = load_lexicon(settings.lexicon)
        except (AudiogenError, OSError) as exc:
            self.error = f"worker {worker.address} cannot render: {exc}"
            raise ClusterError(self.error) from None
        self.settings = settings
        _quiet_upkeep(worker)
        self.heap_tuned = _heap_for_renders()
        # Load the engine and level the voices on the thread that runs the tasks (the engine is a
        # per-process singleton), ahead of them; registration does not wait for it.
        self.ready = worker.executors["default"].submit(self._warm_up)

    def _warm_up(self) -> None:
        from audiogen import pipeline  # worker side: kept off the client's start

        with self.lock:
            assert self.settings is not None
            source = pipeline.load_source("warm-up.md", data=_WARMUP_ARTICLE.encode(), settings=self.settings,
                                          lexicon=self.lexicon)
            pipeline.prepare(source, self.settings)


def dask_setup(server: Any) -> None:
    """``dask worker ... --preload audiogen.run.cluster_worker``: when the worker starts, load what
    every render needs whatever its settings (scipy.signal for the levelling, the language model:
    ~1.5 s) on the thread that will run the tasks, so that a batch's first task does not wait for
    them; keep glibc's heap for the renders from the start (see _heap_for_renders); and quiet Dask's
    own upkeep (see _quiet_upkeep). As ``--preload-nanny`` of a worker, or ``--preload`` of
    ``dask scheduler``, it only quiets that process's upkeep."""
    _quiet_upkeep(server)
    if isinstance(server, Worker):
        _heap_for_renders()
        server.executors["default"].submit(_preload)


# Dask's periodic upkeep in every worker (and nanny) process, in ms, made less frequent: the
# event-loop health check (every 20 ms; it warns when the loop stalls 3 s), the memory monitor
# (100 ms; spills and pauses for Dask's own data, which audiogen's tasks do not hold; the
# nanny's copy still stops a runaway worker within a second) and the dashboard's system
# samples (500 ms). Each wakes the event loop, which then takes the GIL from the render
# thread: an idle worker with its nanny used 5.5% of a core, 0.5% after this (two idle for 10 s).
_UPKEEP_MS = {"tick": 1000, "memory_monitor": 1000, "monitor": 2000}


def _quiet_upkeep(server: Any) -> None:
    """Stop Dask's statistical profiler and slow its upkeep callbacks on this worker or nanny."""
    callbacks = getattr(server, "periodic_callbacks", {})
    for name in ("profile", "profile-cycle"):
        # Every 10 ms it walks the stack of the thread running the task, under the GIL: about a
        # fifth of a render's CPU (0.3 CPU-s per short eSpeak article, scripts/bench_cluster.py).
        # It only feeds the dashboard's profile page; audiogen's tasks are one long render each.
        pc = callbacks.get(name)
        if pc is not None and pc.is_running():
            pc.stop()
        elif pc is not None:  # a --preload runs before the server starts its callbacks
            del callbacks[name]
    for name, ms in _UPKEEP_MS.items():
        pc = callbacks.get(name)
        if pc is not None and pc.callback_time < ms:
            pc.callback_time = ms  # tornado reads it when it schedules the next call


def _preload() -> None:
    import scipy.signal  # noqa: F401  the clips' levelling (audio.mix) imports it: ~0.8 CPU-s, as in tts._forkserver

    from audiogen.read import language  # worker side: kept off the client's start

    language.language_scores("The harbour was quiet that morning.")  # loads the model once per process


def _heap_for_renders() -> bool:
    """Undo, in this worker process, the ``MALLOC_TRIM_THRESHOLD_=65536`` that Dask's nanny sets
    for it: that setting also fixes glibc's mmap threshold at 128 KB, so every audio array of a
    render was mmapped, page-faulted and unmapped anew, and the same renders took 60% more CPU
    than in a plain process (measured: 5.1 vs 3.2 CPU-s of render thread for six articles). Big
    arrays now come from a heap that is kept (up to 64 MB trimmed at a time). True if applied."""
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's mallopt parameters
        return bool(libc.mallopt(m_mmap_threshold, 32 * 2**20) and libc.mallopt(m_trim_threshold, 64 * 2**20))
    except (OSError, AttributeError):  # not glibc (musl): its allocator ignores the variable anyway
        return False


def render_task(plugin_name: str, item: TaskInput, store: str | None = None) -> TaskOutput:
    """The cluster task of ``batch``: render one article on this worker; failures come back as results."""

    def produce(plugin: AudiogenPlugin, out: Path) -> dict[str, Any]:
        from audiogen import pipeline  # worker side: kept off the client's start

        source = pipeline.load_source(item.name, data=item.data, settings=plugin.settings, lexicon=plugin.lexicon)
        if source.sha256 in item.known:  # the page has not changed since its episode was made
            return {"status": UNCHANGED, "extra": {"sha256": source.sha256}}
        episode = pipeline.render(source, plugin.settings, out, cover=plugin.cover, album=plugin.album)
        return {"slug": episode.slug, "duration": episode.duration, "sha256": source.sha256}

    return _task(plugin_name, store, produce)


def follow_task(plugin_name: str, job: Any, show_author: str | None, store: str | None = None) -> TaskOutput:
    """The cluster task of ``follow``: read one feed item (fetching its page here) and render it,
    unless its script is the one already published (status "unchanged")."""

    def produce(plugin: AudiogenPlugin, out: Path) -> dict[str, Any]:
        from audiogen import pipeline  # worker side: kept off the client's start
        from audiogen.run import follow  # worker side: kept off the client's start

        source = follow.item_source(replace(job, settings=plugin.settings))
        digest = follow.script_digest(source.script)
        extra = {"digest": digest, "link": source.script.link}
        if job.slug and digest == job.script_sha256:
            return {"status": follow.UNCHANGED, "extra": extra}
        if not source.script.author and show_author:  # as a render into the show would fill it
            source = replace(source, script=replace(source.script, author=show_author))
        episode = pipeline.render(source, plugin.settings, out, slug=job.slug, album=plugin.album)
        return {"slug": episode.slug, "duration": episode.duration, "sha256": source.sha256,
                "extra": {**extra, "episode": episode}}

    return _task(plugin_name, store, produce)


def _task(plugin_name: str, store: str | None, produce: Any) -> TaskOutput:
    t0 = time.perf_counter()
    worker = get_worker()
    plugin = worker.plugins.get(plugin_name)

    def failed(msg: str) -> TaskOutput:
        return TaskOutput(FAILED, seconds=round(time.perf_counter() - t0, 2), worker=worker.address, error=msg)

    if plugin is None or plugin.settings is None:
        return failed(getattr(plugin, "error", None) or f"worker {worker.address} was not set up for this run")
    if plugin.ready is not None and plugin.ready.exception() is not None:
        exc = plugin.ready.exception()
        return failed(f"worker {worker.address} cannot render: {exc if isinstance(exc, AudiogenError) else repr(exc)}")
    try:
        with plugin.lock, tempfile.TemporaryDirectory(prefix="audiogen-task-", dir=worker.local_directory) as tmp:
            out = Path(tmp) / "out"
            got = produce(plugin, out)
            seconds = round(time.perf_counter() - t0, 2)
            common = dict(seconds=seconds, worker=worker.address, extra=got.get("extra", {}))
            if "status" in got:
                return TaskOutput(got["status"], **common)
            meta = dict(duration=got["duration"], sha256=got["sha256"], **common)
            names = sorted(p.name for p in out.iterdir() if p.is_file() and not p.name.startswith("."))
            if store is None:
                return TaskOutput(RENDERED, got["slug"], files={n: (out / n).read_bytes() for n in names}, **meta)
            if _cancelled(worker):  # the client gave up on this run: leave nothing in the store
                return failed("cancelled")
            prefix = f"{store.rstrip('/')}/{uuid.uuid4().hex}"
            _store_put(prefix, {n: out / n for n in names})
            return TaskOutput(RENDERED, got["slug"], stored=tuple(names), store_prefix=prefix, **meta)
    except AudiogenError as exc:
        return failed(str(exc))
    except Exception as exc:  # a bug: one line for the client, the traceback in the worker's log
        log.exception("internal error rendering %s", getattr(plugin, "name", plugin_name))
        return failed(f"internal error ({type(exc).__name__}: {exc}); please report it")


def _cancelled(worker: Any) -> bool:
    try:
        ts = worker.state.tasks.get(worker.get_current_task())
        return ts is None or ts.state == "cancelled"
    except Exception:
        return False


# ------------------------------------------------------------------ the store (fsspec)


def _store_put(prefix: str, files: dict[str, Path]) -> None:
    import fsspec  # comes with Dask; loaded when a task's files go through a store

    try:
        fs, root = fsspec.core.url_to_fs(prefix)
        fs.makedirs(root, exist_ok=True)
        for name, path in files.items():
            fs.put_file(str(path), f"{root}/{name}")
    except Exception as exc:
        raise ClusterError(f"cannot write to the store {prefix}: {exc}") from None


def store_take(prefix: str, names: Iterable[str]) -> dict[str, bytes]:
    """Read a task's files from the store and remove them there."""
    import fsspec  # comes with Dask; loaded when a task's files go through a store

    try:
        fs, root = fsspec.core.url_to_fs(prefix)
        files = {n: fs.cat_file(f"{root}/{n}") for n in names}
    except Exception as exc:
        raise ClusterError(f"cannot read the store {prefix}: {exc}") from None
    store_remove(prefix)
    return files


def store_remove(prefix: str) -> None:
    """Remove a prefix from the store, if it is there (never raises)."""
    import fsspec  # comes with Dask; loaded when a task's files go through a store

    try:
        fs, root = fsspec.core.url_to_fs(prefix)
        if fs.exists(root):
            fs.rm(root, recursive=True)
    except Exception:
        log.warning("could not remove %s from the store", prefix)


