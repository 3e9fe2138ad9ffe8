"""Batch renders on a Dask distributed cluster: tasks render, only the client writes the show.

Each article is one Dask task running the pipeline on a worker; the task returns the
episode's files as bytes (or leaves them in a store every host can reach, an fsspec
URL), and never touches the show. The client installs each finished episode into its
folder (MP3 and sidecars first, the manifest last, so a folder without a manifest is
never an episode), writes the batch record that makes a re-run skip it, and leaves the
feed to be rebuilt once at the end.

Faults: a task that fails on its input returns the error as its result (no retry); a
worker killed mid-task is the scheduler's business (the task runs again elsewhere,
given up after ``distributed.scheduler.allowed-failures`` deaths); a client that is
interrupted has installed whole episodes only, and the next run renders the rest.

Engines, the files the settings name (stingers, lexicon, cover) and voice levels are
set up once per worker process by a WorkerPlugin, not once per task.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import queue
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from audiogen.errors import AudiogenError, ClusterError, InputError
from audiogen.fsutil import atomic_write_bytes
from audiogen.publish.show import MANIFEST_SUFFIX, held_by_another, load_show
from audiogen.read.fetch import is_url, source_key
from audiogen.run.batch import (FAILED, RENDERED, ArticleResult, _sha256, _unique, done_index, settings_fingerprint,
                                urls_done, write_record)
from audiogen.settings import RenderSettings

INSTALL_HINT = "pip install 'audiogen[dask]'"
_SHIPPED = ("intro", "outro", "bed", "lexicon")  # settings naming files on the client
log = logging.getLogger(__name__)


# ------------------------------------------------------------------ client side: installing an episode


def _renamed(files: dict[str, bytes], old: str, new: str) -> dict[str, bytes]:
    """The episode's files under slug ``new`` (names and the manifest's own references)."""

    if old == new:
        return files
    out = {(new + n[len(old):] if n.startswith(old + ".") else n): data for n, data in files.items()}
    manifest = json.loads(out[new + MANIFEST_SUFFIX])
    manifest["slug"] = new
    manifest["mp3"] = new + manifest["mp3"][len(old):]
    out[new + MANIFEST_SUFFIX] = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    return out


def install_episode(files: dict[str, bytes], slug: str, folder: Path) -> tuple[Path, Path]:
    """Put an episode's files into ``folder``; return (mp3, manifest).

    The old manifest goes first and the new one last: at every instant the folder
    either holds no episode or a whole one (a manifest names an MP3 that matches it).
    """

    manifest_name = slug + MANIFEST_SUFFIX
    if manifest_name not in files:
        raise ClusterError(f"the worker returned no manifest for {slug}")
    mp3_name = json.loads(files[manifest_name]).get("mp3")
    if mp3_name not in files:
        raise ClusterError(f"the worker returned no MP3 for {slug}")
    folder.mkdir(parents=True, exist_ok=True)
    try:
        (folder / manifest_name).unlink()
    except FileNotFoundError:
        pass
    for name, data in files.items():
        if name != manifest_name:
            atomic_write_bytes(folder / name, data)
    atomic_write_bytes(folder / manifest_name, files[manifest_name])
    return folder / mp3_name, folder / manifest_name


class _Slugs:
    """Slugs taken in this run: the client is the only writer, so a set is the lock."""

    def __init__(self, out_dir: Path | None, show_dir: Path | None):
        self.out_dir = out_dir
        self.show = load_show(show_dir) if show_dir is not None else None
        self.taken: set[str] = set()

    def folder(self, slug: str) -> Path:
        if self.show is not None:
            return self.show.episode_dir(slug)
        assert self.out_dir is not None
        return self.out_dir

    def choose(self, base: str, source: str) -> str:
        for n in range(1, 1000):
            slug = base if n == 1 else f"{base[:56]}-{n}"
            if slug in self.taken or held_by_another(self.folder(slug), slug, source):
                continue
            self.taken.add(slug)
            return slug
        raise InputError(f"too many articles titled like {base!r}")


# ------------------------------------------------------------------ client side: the batch


CONNECT_TIMEOUT = 20.0
NO_WORKERS_TIMEOUT = 120.0  # how long a run waits for a cluster with no workers before giving up
_POLL = 5.0


def connect(address: str, timeout: float = CONNECT_TIMEOUT) -> Any:
    """A Dask client for the scheduler at ``address`` with at least one worker (else ClusterError)."""
    try:
        from distributed import Client  # Dask: an optional dependency (audiogen[dask])
    except ImportError:
        raise ClusterError(f"--cluster needs Dask distributed: {INSTALL_HINT}") from None
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        client.wait_for_workers(1, timeout=NO_WORKERS_TIMEOUT)
    except (OSError, TimeoutError):
        client.close(timeout=10)
        raise ClusterError(f"the Dask scheduler at {address} has no workers; start some on each host with "
                           f"'dask worker {address} --nthreads 1 --nworkers auto "
                           "--preload audiogen.run.cluster_worker' (docs/cluster.md)") from None
    return client


def _shipped(settings: RenderSettings, cover: Path | None) -> tuple[dict[str, Any], Any]:
    from audiogen.run.cluster_worker import Shipped  # it imports Dask: not loaded with this module

    files: dict[str, Any] = {}
    for key in _SHIPPED:
        path = getattr(settings, key)
        if path is not None:
            try:
                files[key] = Shipped(Path(path).name, Path(path).read_bytes())
            except OSError as exc:
                raise InputError(f"cannot read {key} file {path}: {exc.strerror or exc}") from None
    cov = None
    if cover is not None:
        try:
            cov = Shipped(Path(cover).name, Path(cover).read_bytes())
        except OSError as exc:
            raise InputError(f"cannot read cover {cover}: {exc.strerror or exc}") from None
    return files, cov


def _read(article: str) -> tuple[bytes | None, str | None]:
    from audiogen.read.article import read_article_bytes  # its patterns compile on import: 50 ms

    try:
        return read_article_bytes(article), None
    except AudiogenError as exc:
        return None, str(exc)


def _killed_message(exc: BaseException) -> str:
    tries = getattr(exc, "allowed_failures", None)
    times = f" {tries + 1} times" if isinstance(tries, int) else ""
    return (f"the worker rendering it died{times}, so the cluster gave it up; "
            "try it alone with 'audiogen episode' to see why")


def run_cluster_batch(
    articles: Iterable[str],
    settings: RenderSettings,
    *,
    address: str,
    out_dir: Path | None = None,
    show_dir: Path | None = None,
    album: str | None = None,
    cover: Path | None = None,
    force: bool = False,
    store: str | None = None,
    on_result: Callable[[ArticleResult], None] | None = None,
    client: Any = None,
) -> list[ArticleResult]:
    """Like :func:`audiogen.run.batch.run_batch`, with each render a task on the cluster at ``address``.

    Articles are read here and sent to the workers as bytes, so worker hosts need
    audiogen but not the articles. At most a few tasks per worker thread are in flight,
    so memory stays flat however many articles there are. Nothing is published into the
    feed here: with a show, the caller rebuilds it once afterwards.
    """
    articles = _unique(articles)
    if settings.workers is None:
        settings = replace(settings, workers=1)  # one render per worker thread; the cluster is the pool
    fingerprint = settings_fingerprint(settings, cover=cover, album=album)
    index = {} if force else done_index(out_dir, show_dir)
    slugs = _Slugs(out_dir, show_dir)
    results: dict[int, ArticleResult] = {}

    def finish(i: int, result: ArticleResult) -> None:
        results[i] = result
        if on_result:
            on_result(result)

    todo: list[int] = []
    for i, article in enumerate(articles):
        if article == "-":
            finish(i, ArticleResult(article, FAILED, error="batch reads article files; use 'audiogen episode -' "
                                                           "to read stdin"))
            continue
        sha = _sha256(article)
        done = index.get((sha, fingerprint)) if sha else None
        if done is not None:
            slugs.taken.add(done.slug or "")
            finish(i, replace(done, article=article))
        else:
            todo.append(i)
    if not todo:
        return [results[i] for i in range(len(articles))]

    own = client is None
    client = client or connect(address)
    try:
        name = _register(client, fingerprint, settings, cover, album)
        with _run_store(store) as run_store:
            for i, result in _run(client, name, [(i, articles[i]) for i in todo], run_store, slugs, fingerprint,
                                  urls_done(index, fingerprint)):
                finish(i, result)
    finally:
        if own:
            client.close(timeout=10)
    return [results[i] for i in range(len(articles))]


def _register(client: Any, fingerprint: str, settings: RenderSettings, cover: Path | None, album: str | None) -> str:
    """Set every worker up for these settings (once: the plugin is idempotent); its name."""
    from audiogen.run.cluster_worker import AudiogenPlugin  # it imports Dask

    files, cov = _shipped(settings, cover)
    plugin = AudiogenPlugin(fingerprint, settings, files, cov, album)
    try:
        client.register_plugin(plugin)
    except AudiogenError:
        raise
    except Exception as exc:
        raise ClusterError(f"the cluster's workers could not be set up: {exc}") from None
    return plugin.name


@contextlib.contextmanager
def _run_store(store: str | None) -> Iterator[str | None]:
    """This run's folder in the store; removed at the end (what an interrupted run left, best effort)."""
    run_store = f"{store.rstrip('/')}/audiogen-{uuid.uuid4().hex[:12]}" if store else None
    try:
        yield run_store
    finally:
        if run_store is not None:
            from audiogen.run.cluster_worker import store_remove  # it imports Dask

            store_remove(run_store)


# ------------------------------------------------------------------ follow


def follow_runner(address: str, show: Any, settings: RenderSettings, *, store: str | None = None) -> Callable:
    """A ``runner`` for :func:`audiogen.run.follow.follow` that renders the items on the cluster at
    ``address``: workers fetch and render, this process installs each episode into the show
    (``follow`` then publishes it, as it does locally)."""

    def runner(fn: Callable, jobs: Any) -> Iterator[Any]:  # fn (the local render_item) is not used
        from audiogen.run.cluster_worker import follow_task  # it imports Dask

        jobs = list(jobs)
        if not jobs:
            return
        client = connect(address)
        try:
            fingerprint = settings_fingerprint(settings, album=show.config.title)
            name = _register(client, fingerprint, settings, None, show.config.title)
            slugs = _Slugs(None, show.root)
            slugs.taken.update(j.slug for j in jobs if j.slug)
            by_tag: dict[int, Any] = {}

            def calls() -> Iterator[tuple[int, Any]]:
                for n, job in enumerate(jobs):
                    if job.slug and job.script_sha256 and not show.episode_dir(job.slug).is_dir():
                        job = replace(job, script_sha256=None)  # its episode is gone: render it again
                    by_tag[n] = job
                    yield n, (follow_task, (name, job, show.config.author, run_store),
                              _task_key("follow", job.item.label))

            with _run_store(store) as run_store:
                for n, fut in _stream(client, calls()):
                    yield _follow_result(fut, by_tag.pop(n), show, slugs)
        finally:
            client.close(timeout=10)

    return runner


def _follow_result(fut: Any, job: Any, show: Any, slugs: _Slugs) -> Any:
    from distributed.scheduler import KilledWorker  # Dask: an optional dependency

    from audiogen.run import follow  # it imports the pipeline: kept off a batch client's start

    from audiogen.run.cluster_worker import store_take  # it imports Dask

    key, label = job.item.key, job.item.label

    def failed(error: str | None, seconds: float = 0.0) -> Any:
        return follow.ItemResult(key, label, follow.FAILED, slug=job.slug, error=error, seconds=seconds)

    try:
        out = fut.result()
    except KilledWorker as exc:
        return failed(_killed_message(exc))
    except Exception as exc:
        return failed(f"the cluster lost this task ({type(exc).__name__}: {exc})")
    digest, link = out.extra.get("digest"), out.extra.get("link")
    if out.status == follow.UNCHANGED:
        return follow.ItemResult(key, label, follow.UNCHANGED, slug=job.slug, script_sha256=digest, link=link,
                                 seconds=out.seconds)
    if out.status != RENDERED or out.slug is None:
        return failed(out.error, out.seconds)
    try:
        files = out.files if out.store_prefix is None else store_take(out.store_prefix, out.stored)
        episode = out.extra["episode"]
        slug = job.slug or slugs.choose(out.slug, episode.source or "")
        mp3, _ = install_episode(_renamed(files, out.slug, slug), slug, show.episode_dir(slug))
    except AudiogenError as exc:
        return failed(str(exc), out.seconds)
    status = follow.UPDATED if job.reason == follow.CHANGED and job.slug else follow.PUBLISHED
    return follow.ItemResult(key, label, status, slug=slug, episode=replace(episode, mp3=mp3, slug=slug),
                             script_sha256=digest, link=link, seconds=out.seconds)


def _in_flight(client: Any) -> int:
    """Tasks kept submitted: enough to keep every worker thread busy, few enough for flat memory."""
    try:
        threads = sum(client.nthreads().values())
    except Exception:
        threads = 1
    return max(4, 3 * threads)


def _stream(client: Any, calls: Iterator[tuple[Any, Any]]) -> Iterator[tuple[Any, Any]]:
    """Submit ``calls`` (tag, (function, args, key) or None) a few per worker thread at a time;
    yield (tag, finished future), or (tag, None) for a call given as None. On any exit the
    tasks still pending are cancelled, so an interrupted client leaves nothing running.

    Waiting costs nothing: each future puts itself on a queue when it finishes (Dask's done
    callback), and the client sleeps on that queue; the scheduler is asked about workers only
    when nothing finished for ``_POLL`` seconds."""
    finished: queue.SimpleQueue = queue.SimpleQueue()
    pending: dict[Any, Any] = {}
    calls = iter(calls)

    def submit_more() -> Iterator[tuple[Any, Any]]:
        limit = _in_flight(client)
        while len(pending) < limit:
            nxt = next(calls, None)
            if nxt is None:
                return
            tag, call = nxt
            if call is None:
                yield tag, None
                continue
            fn, args, key = call
            fut = client.submit(fn, *args, key=key, pure=False)
            pending[fut] = tag
            fut.add_done_callback(finished.put)  # called on Dask's callback thread, whatever the outcome

    no_workers_since: float | None = None
    try:
        yield from submit_more()
        while pending:
            try:
                fut = finished.get(timeout=_POLL)
            except queue.Empty:
                # Renders can take long; a cluster with no workers at all never finishes.
                if client.nthreads():
                    no_workers_since = None
                elif no_workers_since is None:
                    no_workers_since = time.monotonic()
                elif time.monotonic() - no_workers_since > NO_WORKERS_TIMEOUT:
                    raise ClusterError(f"every worker left the cluster (none for {NO_WORKERS_TIMEOUT:.0f} s); "
                                       "start workers and run again: finished episodes are kept")
                continue
            tag = pending.pop(fut, _GONE)
            if tag is _GONE:
                continue
            no_workers_since = None
            yield tag, fut
            fut.release()
            yield from submit_more()
    finally:
        if pending:  # interrupted: nothing more is installed; the next run renders the rest
            try:
                client.cancel(list(pending), force=True)
            except Exception:
                pass


_GONE = object()


def _task_key(kind: str, name: str) -> str:
    stem = Path(name.rstrip("/")).name.rsplit(".", 1)[0][:40] or kind
    return f"audiogen-{kind}-{stem}-{uuid.uuid4().hex[:12]}"


def _run(client: Any, plugin_name: str, todo: list[tuple[int, str]], store: str | None, slugs: _Slugs,
         fingerprint: str, by_url: dict[str, dict[str, ArticleResult]]) -> Iterator[tuple[int, ArticleResult]]:
    from audiogen.run.cluster_worker import TaskInput, render_task  # it imports Dask

    failures: dict[int, str] = {}
    shas: dict[int, str] = {}

    def calls() -> Iterator[tuple[int, Any]]:
        for i, article in todo:
            known: tuple[str, ...] = ()
            if is_url(article):  # the worker fetches it, and skips it if its page is one already rendered
                data, sha, known = None, "", tuple(by_url.get(source_key(article), {}))
            else:
                data, error = _read(article)
                if data is None:
                    failures[i] = error or "unreadable"
                    yield i, None
                    continue
                sha = hashlib.sha256(data).hexdigest()
            shas[i] = sha
            item = TaskInput(source_key(article), data, sha, known)
            yield i, (render_task, (plugin_name, item, store), _task_key("render", article))

    articles = dict(todo)
    for i, fut in _stream(client, calls()):
        if fut is None:
            yield i, ArticleResult(articles[i], FAILED, error=failures.pop(i))
        else:
            yield i, _collect(fut, articles[i], shas.pop(i), slugs, fingerprint, by_url)


def _collect(fut: Any, article: str, sha: str, slugs: _Slugs, fingerprint: str,
             by_url: dict[str, dict[str, ArticleResult]]) -> ArticleResult:
    """Turn a finished task into an installed episode (or a failure); never raises for one article."""
    from distributed.scheduler import KilledWorker  # Dask: an optional dependency

    from audiogen.run.cluster_worker import UNCHANGED, store_take  # it imports Dask

    try:
        out = fut.result()
    except KilledWorker as exc:
        return ArticleResult(article, FAILED, error=_killed_message(exc))
    except Exception as exc:
        return ArticleResult(article, FAILED, error=f"the cluster lost this task ({type(exc).__name__}: {exc})")
    done = by_url.get(source_key(article), {}).get(out.extra.get("sha256", ""))
    if out.status == UNCHANGED and done is not None:
        slugs.taken.add(done.slug or "")
        return replace(done, article=article, seconds=out.seconds)
    if out.status != RENDERED or out.slug is None:
        return ArticleResult(article, FAILED, seconds=out.seconds, error=out.error)
    try:
        files = out.files if out.store_prefix is None else store_take(out.store_prefix, out.stored)
        sha = out.sha256 or sha
        source = source_key(article)
        slug = slugs.choose(out.slug, source)
        folder = slugs.folder(slug)
        mp3, manifest = install_episode(_renamed(files, out.slug, slug), slug, folder)
        write_record(folder, slug, article, sha, fingerprint)
    except AudiogenError as exc:
        return ArticleResult(article, FAILED, seconds=out.seconds, error=str(exc))
    return ArticleResult(article, RENDERED, slug=slug, mp3=str(mp3), manifest=str(manifest),
                         duration=out.duration, seconds=out.seconds)
