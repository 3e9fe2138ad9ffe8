"""Speech synthesis at scale: a clip cache on disk and a pool of engine processes.

Each clip is synthesized once per (engine, engine version, voice, settings, spoken
text, level), brought to the master format in the worker (so both cores share the
DSP), and stored on disk with a CRC; the parent streams clips back in order with
a bounded number in flight, so memory does not grow with the article.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import hashlib
import importlib
import json
import multiprocessing
import os
import signal
import struct
import sys
import tempfile
import time
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

from audiogen import tts
from audiogen.audio import mix
from audiogen.audio.segment import SPEECH_RATE
from audiogen.cleanup import die_with_parent, own_multiprocessing_tempdir, sweep_temp
from audiogen.errors import AudiogenError, EngineError, OutputError
from audiogen.fsutil import describe_os_error
from audiogen.fsutil import file_lock
from audiogen.tts import Voice, get_engine

CACHE_VERSION = "7"
_MAGIC = b"AGC2"
_HEADER = struct.Struct("<4sQI")  # magic, frames, crc32
DEFAULT_CACHE_CAP_MB = 1024
STALE_TMP_S = 3600  # a clip is written in milliseconds: an older temp file was left by a killed worker


def default_cache_dir() -> Path:
    env = os.environ.get("AUDIOGEN_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "audiogen"


@dataclass(frozen=True)
class Job:
    """Synthesize ``text`` with ``voice``, level it to ``target_lufs`` (or by the voice's ``gain_db``)
    and limit at ``ceiling_db``."""

    engine: str
    engine_version: str
    voice: Voice
    text: str
    gain_db: float
    ceiling_db: float
    target_lufs: float | None = None  # level this clip to it (gain_db is the voice's, for clips too short)

    @property
    def key(self) -> str:
        target = None if self.target_lufs is None else round(self.target_lufs, 2)
        blob = json.dumps([CACHE_VERSION, self.engine, self.engine_version, asdict(self.voice),
                           self.text, round(self.gain_db, 2), round(self.ceiling_db, 2), target], ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _shard_files(folder: Path) -> list[Path]:
    """The files in ``folder``'s shard folders (``ab/``). The dot folders beside them
    (``chunks/.work-*``) are renders in progress, never listed; a folder that another
    process removes while we look is skipped (pathlib's glob raises instead)."""
    out: list[Path] = []
    try:
        shards = [e.path for e in os.scandir(folder) if not e.name.startswith(".") and e.is_dir(follow_symlinks=False)]
    except OSError:
        return out
    for shard in shards:
        try:
            out.extend(Path(e.path) for e in os.scandir(shard) if e.is_file(follow_symlinks=False))
        except OSError:
            continue
    return out


class ClipCache:
    """Mono 16-bit 22.05 kHz clips, one file per key, verified by length and CRC on read."""

    def __init__(self, root: Path, cap_mb: float | None = None):
        self.root = Path(root)
        self.cap_bytes = int((DEFAULT_CACHE_CAP_MB if cap_mb is None else cap_mb) * 1024 * 1024)
        try:
            (self.root / "clips").mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot use the clip cache at {self.root} ({exc.strerror or exc}); set "
                              "AUDIOGEN_CACHE_DIR to a writable folder or use --no-cache") from None

    def path(self, key: str) -> Path:
        return self.root / "clips" / key[:2] / f"{key}.pcm"

    def read(self, key: str) -> bytes | None:
        """The clip's PCM, or None when absent, partial or corrupt (the bad file is removed)."""
        p = self.path(key)
        try:
            blob = p.read_bytes()
        except OSError:
            return None
        if len(blob) >= _HEADER.size:
            magic, frames, crc = _HEADER.unpack_from(blob)
            pcm = blob[_HEADER.size:]
            if magic == _MAGIC and len(pcm) == 2 * frames and zlib.crc32(pcm) == crc:
                return pcm
        try:
            p.unlink()
        except OSError:
            pass
        return None

    def has(self, key: str) -> bool:
        return self.read(key) is not None

    def write(self, key: str, pcm: bytes) -> None:
        p = self.path(key)
        tmp = None
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".tmp-{os.getpid()}-")  # see Synthesizer.close
            with os.fdopen(fd, "wb") as fh:
                fh.write(_HEADER.pack(_MAGIC, len(pcm) // 2, zlib.crc32(pcm)))
                fh.write(pcm)
            os.replace(tmp, p)
        except OSError as exc:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
            raise OutputError(describe_os_error(exc, p) + " (the clip cache; AUDIOGEN_CACHE_DIR or "
                              "--no-cache choose another place)") from None

    def prune(self, keep: set[Path] | frozenset = frozenset()) -> int:
        """Delete least-recently-used clips and encoded chunks until the cache is under its cap,
        never a file in ``keep`` (what a render in progress has yet to read); return bytes freed."""
        files = []
        total = 0
        found, temps = [], []
        for f in (*_shard_files(self.root / "clips"), *_shard_files(self.root / "chunks")):
            if f.name.startswith(".tmp-"):
                temps.append(f)
            elif f.suffix in (".pcm", ".mp3", ".json"):
                found.append(f)
        now = time.time()
        for f in temps:
            with contextlib.suppress(OSError):  # half-written by a process that was killed
                if now - f.stat().st_mtime > STALE_TMP_S:
                    f.unlink()
        for f in found:
            try:
                st = f.stat()
            except OSError:
                continue
            # Clips go first: an encoded chunk stands for all its clips at a fifth of their size.
            files.append((f.suffix != ".pcm", st.st_mtime, st.st_size, f))
            total += st.st_size
        freed = 0
        for _, _, size, f in sorted(files):
            if total - freed <= self.cap_bytes:
                break
            if f in keep:
                continue
            try:
                f.unlink()
                freed += size
            except OSError:
                pass
        return freed

    def remove_partial_writes(self, pids: set) -> None:
        """Remove the temp files that processes ``pids`` (killed workers) were writing."""
        prefixes = tuple(f".tmp-{pid}-" for pid in pids)
        if not prefixes:
            return
        for f in [*self.root.glob(".tmp-*"), *_shard_files(self.root / "clips")]:
            if f.name.startswith(prefixes):
                with contextlib.suppress(OSError):
                    f.unlink()

    # -- voice calibration (gain that brings a voice to the target loudness)

    def get_calibration(self, key: str) -> float | None:
        try:
            data = json.loads((self.root / "calibration.json").read_text())
            value = data.get(key)
            return float(value) if value is not None else None
        except (OSError, ValueError, TypeError):
            return None

    def levelling(self, key: str, wait: bool = True) -> contextlib.AbstractContextManager[bool]:
        """Held while one process levels the voice ``key`` (see ``calibrate_all``)."""
        return file_lock(self.root / ".levelling" / f"{key[:32]}.lock", wait)

    def set_calibration(self, key: str, gain_db: float) -> None:
        """Add one voice's gain (under a lock: voices are levelled by parallel workers)."""

        path = self.root / "calibration.json"
        try:
            with file_lock(self.root / ".calibration.lock"):
                try:
                    data = json.loads(path.read_text())
                    if not isinstance(data, dict):
                        data = {}
                except (OSError, ValueError):
                    data = {}
                data[key] = gain_db
                fd, tmp = tempfile.mkstemp(dir=self.root, prefix=f".tmp-{os.getpid()}-")
                with os.fdopen(fd, "w") as fh:
                    json.dump(data, fh, indent=1, sort_keys=True)
                os.replace(tmp, path)
        except OSError:
            pass  # a calibration we cannot keep is simply measured again next time


def render_clip(job: Job) -> bytes:
    """Synthesize and master one clip: mono s16le PCM at 22.05 kHz."""
    return master(speak(job), job.gain_db, job.ceiling_db, job.target_lufs)


EDGE_PAUSE_S = 0.15  # half the pause between two sentences (plan.SENTENCE_GAP)
LEVEL_RANGE_DB = 6.0  # a clip's gain stays this close to its voice's (a whisper stays quieter than a shout)


def clip_gain(x: np.ndarray, voice_gain_db: float, target_lufs: float) -> float:
    """Gain (dB) that brings this clip to ``target_lufs``, measured by BS.1770 as the episode
    is: both voices meet the target in every passage, however short, not only on average over
    the voice's calibration text. Clips too short to measure take the voice's gain."""
    # Measured as it sits in the episode, between pauses: the 400 ms blocks that straddle its
    # edges count there too.
    pad = np.zeros(int(EDGE_PAUSE_S * SPEECH_RATE), dtype=np.float32)
    measured = mix.integrated_loudness(np.concatenate([pad, x, pad]), SPEECH_RATE)
    if measured is None:
        return voice_gain_db
    return float(np.clip(target_lufs - measured, voice_gain_db - LEVEL_RANGE_DB, voice_gain_db + LEVEL_RANGE_DB))


def speak(job: Job) -> np.ndarray:
    """The engine's audio for ``job``, as float32 mono 22.05 kHz with its silence trimmed.

    Text with letters or digits that comes back silent is tried once more, then is an
    error: an empty clip must never be cached in place of a paragraph.
    """

    engine = get_engine(job.engine)
    for _ in range(2):
        audio = engine.synthesize(job.text, job.voice)
        x = _trim_silence(mix.to_speech(audio.samples, audio.rate))
        if len(x) > 0.05 * SPEECH_RATE or not any(ch.isalnum() for ch in job.text):
            return x
    raise EngineError(f"the speech engine returned no audio for: {job.text[:60]!r}")


def master(x: np.ndarray, gain_db: float, ceiling_db: float, target_lufs: float | None = None) -> bytes:
    """Level (by ``gain_db``, or to ``target_lufs`` within LEVEL_RANGE_DB of it), limit and fade
    a clip; return s16le PCM."""
    if target_lufs is None:
        y = mix.limit(x * np.float32(10 ** (gain_db / 20)), ceiling_db, rate=SPEECH_RATE)
    else:
        gain = clip_gain(x, gain_db, target_lufs)
        scaled = x * np.float32(10 ** (gain / 20))
        y = mix.limit(scaled, ceiling_db, rate=SPEECH_RATE)
        # The limiter takes a little loudness off the loudest clips: make up what it removed
        # (read from the energy; the limiter only touches peaks, so one step is enough)
        before, after = float(np.dot(scaled, scaled)), float(np.dot(y, y))
        loss = 10 * np.log10(before / after) if after > 0 else 0.0
        if loss > 0.1:  # less is not worth a second pass
            gain = float(np.clip(gain + loss, gain_db - LEVEL_RANGE_DB, gain_db + LEVEL_RANGE_DB))
            y = mix.limit(x * np.float32(10 ** (gain / 20)), ceiling_db, rate=SPEECH_RATE)
    y = mix.fade_edges(y, rate=SPEECH_RATE)
    return mix.to_pcm(y, 1)


def _trim_silence(x: np.ndarray, threshold: float = 10 ** (-60 / 20), lead_s: float = 0.005,
                  tail_s: float = 0.02) -> np.ndarray:
    """Drop the engine's leading/trailing silence; audiogen adds its own, measured pauses.

    The lead kept is only the fade-in, so a chapter's sound starts where its CHAP frame says.
    """
    loud = np.flatnonzero(np.abs(x) > threshold)
    if len(loud) == 0:
        return x[:0]
    return x[max(0, loud[0] - int(lead_s * SPEECH_RATE)): loud[-1] + int(tail_s * SPEECH_RATE) + 1]


# --------------------------------------------------------------- worker side

_worker_cache: ClipCache | None = None


def _worker_init(cache_root: str, quiet_fd: bool, engine_modules: Sequence[str] = (), engine: str = "") -> None:
    global _worker_cache


    if engine:  # name the process after its engine (ps, top, scripts/bench.py's CPU split)
        try:
            with open("/proc/self/comm", "w") as fh:
                fh.write(f"agw-{engine}"[:15])
        except OSError:
            pass

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    die_with_parent()  # a worker never outlives its forkserver (nor the forkserver the render)
    for name in engine_modules:  # engines registered outside audiogen.tts (plug-ins, test doubles)
        importlib.import_module(name)
    _worker_cache = ClipCache(Path(cache_root))
    if quiet_fd:
        # Engines print on stdout; the parent's stdout may carry --json.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        sys.stdout = open(os.devnull, "w")


def _worker_run(job: Job) -> tuple[str, int]:
    assert _worker_cache is not None
    try:
        pcm = render_clip(job)
    except AudiogenError:
        raise
    except Exception as exc:  # an engine bug must reach the user as a one-line error
        raise EngineError(f"speech synthesis failed: {exc}") from None
    _worker_cache.write(job.key, pcm)
    return job.key, len(pcm) // 2


def _worker_calibrate(args: tuple) -> float:
    assert _worker_cache is not None
    return calibrate(_worker_cache, *args)


def _worker_warm(engine_name: str) -> None:
    """Load ``engine_name`` in a worker before its first job (the parent plans meanwhile)."""
    engine = get_engine(engine_name)
    warm = getattr(engine, "warm", None)
    if warm is not None:
        warm()


class Synthesizer:
    """Yields each job's PCM in order; missing clips are made by worker processes.

    One pool of single-threaded workers per engine: a worker loads its engine once and
    keeps it, and no process holds two neural models (memory stays flat per process).
    The cores are shared among the engines of a render by their share of the work
    (``plan``), at least one worker each. ``start()`` launches the pools ahead of time,
    ``calibrate()`` levels several voices at once, ``close()`` stops the pools;
    ``stream()`` starts them itself when it is worth it.
    """

    def __init__(self, cache: ClipCache, workers: int | None = None):
        self.cache = cache
        self.workers = max(1, workers or os.cpu_count() or 1)
        self._pools: dict[str, cf.ProcessPoolExecutor] = {}
        self._sizes: dict[str, int] = {}

    def plan(self, jobs_or_engines: Sequence) -> dict[str, int]:
        """Share the workers among the engines of ``jobs_or_engines`` (Jobs, engine names or
        (engine, characters) pairs) by their estimated CPU time: characters times the engine's
        ``cost`` (CPU s per audio s)."""
        load: dict[str, float] = {}
        for item in jobs_or_engines:
            if isinstance(item, Job):
                name, chars = item.engine, len(item.text)
            elif isinstance(item, tuple):
                name, chars = item
            else:
                name, chars = item, 1
            load[name] = load.get(name, 0.0) + chars * float(getattr(get_engine(name), "cost", 0.05))
        if not load:
            return {}
        total = sum(load.values()) or 1.0
        # Each engine gets its share of the cores, rounded, and at least one worker: a light engine's
        # mostly idle worker then sits beside the heavy engine's full complement (every core busy).
        sizes = {name: max(1, round(self.workers * load[name] / total)) for name in load}
        for name, n in sizes.items():
            if name not in self._sizes or (name not in self._pools and n != self._sizes[name]):
                self._sizes[name] = n
        return dict(self._sizes)

    @property
    def parallel(self) -> bool:
        return self.workers > 1

    def start(self, engines: Sequence[str] = ()) -> None:
        """Start the pools of ``engines`` (default: those planned)."""
        if not self.parallel:
            return
        wanted = list(engines) or list(self._sizes)
        if any(e not in self._sizes for e in wanted):
            self.plan(list(dict.fromkeys([*self._sizes, *wanted])))
        for name in wanted:
            if name in self._pools:
                continue
            own_multiprocessing_tempdir()
            ctx = multiprocessing.get_context("forkserver" if sys.platform.startswith("linux") else "spawn")
            if ctx.get_start_method() == "forkserver":
                # Workers fork from a server that has imported numpy and audiogen once, instead of
                # each importing them (no engine is started there: eSpeak's threads must not be forked).
                ctx.set_forkserver_preload(["audiogen.tts._forkserver", "audiogen.tts.synth"])
            pool = cf.ProcessPoolExecutor(
                max_workers=self._sizes[name], mp_context=ctx, initializer=_worker_init,
                initargs=(str(self.cache.root), True, tts.modules(), name),
            )
            for _ in range(self._sizes[name]):
                pool.submit(_worker_warm, name)  # each worker loads its engine while the parent plans
            self._pools[name] = pool

    def close(self, wait: bool = True, kill: bool = False) -> None:
        """Stop the pools; ``kill`` ends their workers at once and waits for them (an interrupt: no
        worker may write into a cache folder that is about to be removed)."""
        pools, self._pools = self._pools, {}
        for pool in pools.values():
            if kill:  # (no future is cancelled first: Python 3.11's pool then fails marking it broken)
                procs = list((getattr(pool, "_processes", None) or {}).values())  # no public API for this
                for proc in procs:
                    with contextlib.suppress(Exception):
                        proc.kill()
                for proc in procs:
                    with contextlib.suppress(Exception):
                        proc.join(5)
                pool.shutdown(wait=True)
                self.cache.remove_partial_writes({p.pid for p in procs})
            else:
                pool.shutdown(wait=wait, cancel_futures=True)
        if kill and pools:
            sweep_temp()  # the scratch folders of the workers just killed

    def calibrate(self, voices: Sequence[Voice], target_lufs: float, ceiling_db: float) -> list[float]:
        """Gains of ``voices`` (see ``calibrate``), measured in parallel in their engines' pools."""
        args = [(v, target_lufs, ceiling_db) for v in voices]
        if not self._pools:
            return calibrate_all(self.cache, voices, target_lufs, ceiling_db)
        futures = [self._pools[v.engine].submit(_worker_calibrate, a) if v.engine in self._pools else None
                   for v, a in zip(voices, args)]
        return [f.result() if f is not None else calibrate(self.cache, *a) for f, a in zip(futures, args)]

    def stream(
        self,
        jobs: Sequence[Job],
        on_done: Callable[[int], None] | None = None,
    ) -> Iterator[bytes]:
        """PCM of ``jobs[i]`` for i in order; ``on_done(n)`` reports clips made or found."""
        missing = [i for i, job in enumerate(jobs) if not self.cache.path(job.key).exists()]
        if self.parallel and len(missing) >= 8:
            self.plan([jobs[i] for i in missing])
            self.start(list(dict.fromkeys(jobs[i].engine for i in missing)))
        if not self._pools or not missing:
            for job in jobs:
                pcm = self.cache.read(job.key)
                if pcm is None:
                    pcm = render_clip(job)
                    self.cache.write(job.key, pcm)
                if on_done:
                    on_done(1)
                yield pcm
            self.close()
            return
        # Clips are consumed in order; keep every engine's workers fed well ahead of the consumer
        # (results go to the disk cache, so a long window costs no memory).
        window = self.workers * 24
        futures: dict[int, cf.Future] = {}
        todo = iter(missing)
        next_submit = next(todo, None)
        try:
            for i, job in enumerate(jobs):
                while next_submit is not None and next_submit < i + window:
                    pool = self._pools.get(jobs[next_submit].engine)
                    if pool is not None:
                        futures[next_submit] = pool.submit(_worker_run, jobs[next_submit])
                    next_submit = next(todo, None)
                if i in futures:
                    futures.pop(i).result()
                pcm = self.cache.read(job.key)
                if pcm is None:  # vanished or corrupt since, or an engine without a pool: make it here
                    pcm = render_clip(job)
                    self.cache.write(job.key, pcm)
                if on_done:
                    on_done(1)
                yield pcm
        except GeneratorExit:  # the consumer is done or unwinding: whoever owns the pool closes it
            raise
        except BaseException:
            self.close(kill=True)
            raise
        self.close()


def _calibration_key(version: str, voice: Voice, target_lufs: float, ceiling_db: float) -> str:
    blob = json.dumps([CACHE_VERSION, voice.engine, version, asdict(voice), target_lufs, ceiling_db])
    return hashlib.sha256(blob.encode()).hexdigest()


def cached_calibration(cache: ClipCache, voice: Voice, target_lufs: float, ceiling_db: float) -> float | None:
    version = get_engine(voice.engine).version()
    return cache.get_calibration(_calibration_key(version, voice, target_lufs, ceiling_db))


def calibrate_all(cache: ClipCache, voices: Sequence[Voice], target_lufs: float, ceiling_db: float) -> list[float]:
    """Gains of ``voices`` (see ``calibrate``), one after another. A voice that another process
    on this host is levelling right now is left to it, and its gain read from the cache once
    it is done: cluster workers started together level different voices, not all of them each."""
    keys = {v: _calibration_key(get_engine(v.engine).version(), v, target_lufs, ceiling_db) for v in voices}
    gains: dict[Voice, float] = {}
    for wait in (False, True):  # first the voices nobody else is levelling, then the others
        for voice in (v for v in keys if v not in gains):
            # Waiting: the other process is done (or died), so the gain is cached, or measured here.
            with cache.levelling(keys[voice], wait) as mine:
                if mine:
                    gains[voice] = calibrate(cache, voice, target_lufs, ceiling_db)
    return [gains[v] for v in voices]


def calibrate(cache: ClipCache, voice: Voice, target_lufs: float, ceiling_db: float) -> float:
    """Gain (dB) that brings ``voice`` to ``target_lufs`` after limiting; cached per voice.

    Measured on a fixed passage by BS.1770 as ffmpeg's ebur128 reads it (mix.integrated_loudness,
    in process: four ffmpeg runs per voice took a third of a worker's warm-up). Clips are then
    levelled one by one (``clip_gain``) within LEVEL_RANGE_DB of it; clips too short to
    measure take it as it is.
    """

    engine = get_engine(voice.engine)
    key = _calibration_key(engine.version(), voice, target_lufs, ceiling_db)
    cached = cache.get_calibration(key)
    if cached is not None:
        return cached
    gap = np.zeros(int(0.2 * SPEECH_RATE), dtype=np.float32)
    passage = np.concatenate([part for text in CALIBRATION_TEXT
                              for part in (speak(Job(voice.engine, engine.version(), voice, text, 0.0, ceiling_db)), gap)])
    gain = 0.0
    for _ in range(4):  # the limiter takes a little loudness off: converge in a few steps
        pcm = np.frombuffer(master(passage, gain, ceiling_db), dtype=np.int16)
        measured = mix.integrated_loudness(mix.to_speech(pcm, SPEECH_RATE), SPEECH_RATE)
        if measured is None:
            raise EngineError(f"the voice {voice.id!r} produced silence; choose another voice")
        error = target_lufs - measured
        gain += error
        if abs(error) < 0.1:
            break
    cache.set_calibration(key, round(gain, 2))
    return round(gain, 2)


CALIBRATION_TEXT = (
    "The harbour was quiet that morning, and the fishing boats sat low in the water.",
    "By nine o'clock the market had opened, and the first customers were arguing about the price of bread.",
    "Nobody expected the council to approve the plan, but the vote was close, and it passed.",
    "She said the project would take three years, perhaps four, and that everyone would have to help.",
    "What happens next is anybody's guess.",
    "Still, the town has been through worse winters than this one, and it always finds a way.",
)
