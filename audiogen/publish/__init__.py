"""Publish rendered episodes into a show: sidecars, publish.json, feed.xml and the site.

Everything happens under the show's lock (``.audiogen.lock``) and every file is
written atomically, so two ``audiogen episode --show`` runs at once both end up
in the feed, and a reader never sees a half-written feed. The feed is rebuilt
from what is on disk: an episode is listed only when its manifest and its MP3
both exist, with the enclosure length taken from the MP3 file itself.

A rebuild makes an episode's sidecars and page again only when something they are made
from changed since they were written (``.audiogen-built.json`` keeps the fingerprints),
so a show of tens of thousands of episodes rebuilds in time linear in its size with a
small constant; the feed and the index page, which list every episode, are made every time.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import logging
import sys
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping, NamedTuple

import audiogen
from audiogen import fsutil
from audiogen import manifest as manifest_module
from audiogen.artwork import favicons
from audiogen.errors import AudiogenError, ConfigError, InputError
from audiogen.manifest import Manifest
from audiogen.publish import site, transcripts
from audiogen.publish.feed import FeedEpisode, build_feed
from audiogen.publish.show import MANIFEST_SUFFIX, Show, load_show

log = logging.getLogger(__name__)

RECORD_NAME = "publish.json"
RECORD_VERSION = 1
STATE_NAME = ".audiogen-state.json"  # {"last_episode": N}: episode numbers are never reused
STAMPS_NAME = ".audiogen-built.json"  # what each episode's sidecars and page were made from
STAMPS_VERSION = 1
# The modules whose code makes an episode's sidecars and page: an edit of one (or an upgrade)
# makes every episode's files again.
_MAKERS = ("audiogen.publish", "audiogen.publish.transcripts", "audiogen.publish.site", "audiogen.publish.feed",
           "audiogen.publish.show", "audiogen.manifest", "audiogen.text", "audiogen.artwork")


@dataclass(frozen=True)
class PublishRecord:
    """What must never change once an episode is in the feed (publish.json)."""

    guid: str
    pub_date: datetime
    episode: int
    enclosure_url: str

    def to_json(self) -> str:
        data = {
            "version": RECORD_VERSION,
            "guid": self.guid,
            "pub_date": self.pub_date.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "episode": self.episode,
            "enclosure_url": self.enclosure_url,
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_mapping(cls, data: Any) -> "PublishRecord":
        if not isinstance(data, Mapping):
            raise ValueError("not a JSON object")
        guid, pub, num, url = (data.get(k) for k in ("guid", "pub_date", "episode", "enclosure_url"))
        if not isinstance(guid, str) or not guid:
            raise ValueError("guid missing")
        if not isinstance(num, int) or isinstance(num, bool) or num < 1:
            raise ValueError("episode must be a positive integer")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ValueError("enclosure_url must be an http(s) URL")
        if not isinstance(pub, str):
            raise ValueError("pub_date missing")
        when = datetime.fromisoformat(pub.replace("Z", "+00:00"))
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        return cls(guid=guid, pub_date=when, episode=num, enclosure_url=url)


@dataclass(frozen=True)
class PublishedEpisode:
    """An episode folder that is in the feed: its manifest, frozen record and files.

    The manifest is read without its cues: the feed needs none, and a show of tens of
    thousands of episodes would hold them all in memory (sidecars and pages read them again).
    """

    slug: str
    folder: Path
    manifest: Manifest
    record: PublishRecord
    mp3: Path
    length: int

    def sidecar(self, suffix: str) -> Path:
        return self.folder / f"{self.slug}{suffix}"


@dataclass(frozen=True)
class BuildResult:
    """What a publish/rebuild did: the episodes in the feed and those left out (with why)."""

    show: Show
    episodes: tuple[PublishedEpisode, ...]
    skipped: tuple[tuple[str, str], ...]  # (episode folder name, reason)
    written: tuple[Path, ...]  # files whose content changed

    @property
    def feed_path(self) -> Path:
        return self.show.feed_path


def read_manifest(path: Path) -> Manifest:
    """Load an episode manifest (audiogen.manifest.read, the one reader)."""
    return manifest_module.read(path)


def _write_if_changed(path: Path, data: bytes, written: list[Path]) -> None:
    try:
        if path.read_bytes() == data:
            return
    except OSError:
        pass
    fsutil.atomic_write_bytes(path, data)
    written.append(path)


def _read_record(path: Path) -> PublishRecord | None:
    if not path.exists():
        return None
    try:
        return PublishRecord.from_mapping(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(
            f"{path} is damaged ({exc}); restore it, or delete it to publish the episode as new"
        ) from None


class _Candidate(NamedTuple):
    slug: str
    folder: Path
    manifest: Manifest
    mp3: Path
    length: int
    record: PublishRecord | None  # None: never published yet
    digest: str  # of the manifest file's bytes
    fresh: bool  # its sidecars and page are as the last rebuild made them, from the same inputs


def _scan(show: Show, stamps: Mapping[str, list[str]] | None = None) -> tuple[list[_Candidate], list[tuple[str, str]]]:
    """Episode folders that can be published (manifests without their cues), and the reasons
    others cannot. An episode whose ``stamps`` entry (see ``_read_stamps``) still holds is fresh."""
    found: list[_Candidate] = []
    skipped: list[tuple[str, str]] = []
    if not show.episodes_dir.is_dir():
        return found, skipped
    root = show.root.resolve()
    for folder in sorted(show.episodes_dir.iterdir()):
        name = folder.name
        if name.startswith(".") or not folder.is_dir():
            continue
        try:
            show.episode_dir(name)
        except ConfigError as exc:
            skipped.append((name, str(exc)))
            continue
        if not folder.resolve().is_relative_to(root):
            skipped.append((name, "folder is a link to outside the show; left out"))
            continue
        manifest_path = folder / f"{name}{MANIFEST_SUFFIX}"
        if not manifest_path.is_file():
            skipped.append((name, f"no {manifest_path.name} (not rendered yet, or the render failed)"))
            continue
        try:
            data, raw = manifest_module.load_json(manifest_path)
            manifest = manifest_module.parse(manifest_module.without_cues(data), str(manifest_path))
            record = _read_record(folder / RECORD_NAME)
        except AudiogenError as exc:
            skipped.append((name, str(exc)))
            continue
        mp3 = folder / manifest.mp3
        try:
            resolved = mp3.resolve(strict=True)
            length = mp3.stat().st_size
        except OSError:
            skipped.append((name, f"its MP3 {mp3.name} is missing; render the episode again or delete its folder"))
            continue
        if not resolved.is_relative_to(root) or not mp3.is_file() or length == 0:
            skipped.append((name, f"its MP3 {mp3.name} is empty or not a file inside the show"))
            continue
        digest = _digest(raw)
        old = (stamps or {}).get(name)
        fresh = (old is not None and record is not None and old[0] == _episode_key(name, digest, record, length)
                 and old[1] == _outputs_state(_outputs(folder, name)))
        found.append(_Candidate(name, folder, manifest, mp3, length, record, digest, fresh))
    return found, skipped


def _last_number(show: Show, known: Mapping[str, PublishRecord]) -> int:
    """The highest episode number ever given in this show, so numbers are never reused
    (``known``: the records already read, by episode folder name)."""
    last = max((record.episode for record in known.values()), default=0)
    try:
        last = max(last, int(json.loads((show.root / STATE_NAME).read_text(encoding="utf-8"))["last_episode"]))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    for path in show.episodes_dir.glob(f"*/{RECORD_NAME}"):
        if path.parent.name in known:
            continue
        try:
            last = max(last, int(json.loads(path.read_text(encoding="utf-8"))["episode"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return last


def _new_record(show: Show, slug: str, mp3: Path, number: int, now: datetime) -> PublishRecord:
    # Unique per publication: a new article reusing a deleted episode's slug gets a new guid.
    guid = str(uuid.uuid5(uuid.UUID(show.config.podcast_guid), f"{slug}/{number}"))
    return PublishRecord(
        guid=guid,
        pub_date=now.astimezone(timezone.utc).replace(microsecond=0),
        episode=number,
        enclosure_url=show.url_for(mp3.relative_to(show.root)),
    )


def _feed_episode(show: Show, ep: PublishedEpisode) -> FeedEpisode:
    m = ep.manifest
    base = ep.folder.relative_to(show.root)
    rel = lambda suffix: show.url_for(base / f"{ep.slug}{suffix}")  # noqa: E731
    return FeedEpisode(
        guid=ep.record.guid,
        title=m.title or ep.slug,
        description=m.description,
        pub_date=ep.record.pub_date,
        number=ep.record.episode,
        enclosure_url=ep.record.enclosure_url,
        length=ep.length,
        duration=m.duration,
        page_url=show.url_for(base) + "/",
        image_url=show.cover_url,
        author=m.author,
        explicit=show.config.explicit,
        language=m.language or show.config.language,
        vtt_url=rel(".vtt"),
        srt_url=rel(".srt"),
        transcript_url=rel(".transcript.json"),
        chapters_url=rel(".chapters.json"),
        timestamps=tuple(transcripts.timestamp_lines(m)),
        psc=tuple(transcripts.psc_chapters(m)),
        article_url=m.link,
    )


def _sidecars(show: Show, ep: PublishedEpisode) -> dict[Path, bytes]:
    """The episode's sidecars with the show's narrator (a render into a show leaves them to this)."""
    return {ep.sidecar(suffix): text.encode("utf-8")
            for suffix, text in transcripts.sidecars(ep.manifest, show.config.narrator).items()}


def _digest(*parts: bytes | str) -> str:
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


@functools.cache
def _code_digest() -> str:
    """audiogen's version, Python's and the source of the modules that make sidecars and pages."""
    sources = [Path(importlib.import_module(name).__file__ or "").read_bytes() for name in _MAKERS]
    return _digest(audiogen.__version__, ".".join(map(str, sys.version_info[:2])), *sources)


def _made_by(show: Show) -> str:
    """The code and the show's config that every episode's sidecars and page depend on."""
    try:
        config = show.config_path.read_bytes()
    except OSError:
        config = b""
    return _digest(_code_digest(), config, repr(show.config), str(show.root))


def _episode_key(slug: str, digest: str, record: PublishRecord, length: int) -> str:
    """What one episode's sidecars and page are made from, besides the code and the show:
    its slug, manifest (``digest``), publish.json and MP3 size."""
    return _digest(slug, digest, record.to_json(), str(length))


def _outputs(folder: Path, slug: str) -> list[Path]:
    """The files a rebuild writes for one episode."""
    return [*(folder / f"{slug}{suffix}" for suffix in transcripts.SIDECAR_SUFFIXES), folder / RECORD_NAME,
            folder / site.INDEX_NAME]


def _outputs_state(paths: list[Path]) -> str | None:
    """Size, time and inode of each file (None when one is missing): an edit, a restore or a
    deletion of any of them makes its episode again."""
    try:
        stats = [path.stat() for path in paths]
    except OSError:
        return None
    return _digest(";".join(f"{st.st_size},{st.st_mtime_ns},{st.st_ino}" for st in stats))


def _read_stamps(show: Show, made_by: str) -> dict[str, list[str]]:
    """Each episode's [inputs, outputs] fingerprints from the last rebuild by this code and
    config; anything missing, damaged or older means none (every episode is made again)."""
    try:
        data = json.loads((show.root / STAMPS_NAME).read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != STAMPS_VERSION or data.get("made_by") != made_by:
        return {}
    episodes = data.get("episodes")
    if not isinstance(episodes, dict):
        return {}
    return {slug: v for slug, v in episodes.items()
            if isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) for x in v)}


def _write_stamps(show: Show, made_by: str, stamps: dict[str, list[str]]) -> None:
    data = {"version": STAMPS_VERSION, "made_by": made_by, "episodes": stamps}
    fsutil.atomic_write_bytes(show.root / STAMPS_NAME, json.dumps(data, separators=(",", ":")).encode("utf-8"))


def _make_episode_files(show: Show, ep: PublishedEpisode, written: list[Path]) -> list[str] | None:
    """Write one episode's sidecars, publish.json and page, from its whole manifest read again
    (kept no longer than this); return its stamps entry (None when a file is gone already)."""
    path = ep.folder / f"{ep.slug}{MANIFEST_SUFFIX}"
    data, raw = manifest_module.load_json(path)
    whole = replace(ep, manifest=manifest_module.parse(data, str(path)))
    # Sidecars first, publish.json next, the feed last: the feed never points at a missing file.
    for sidecar, content in _sidecars(show, whole).items():
        _write_if_changed(sidecar, content, written)
    _write_if_changed(ep.folder / RECORD_NAME, ep.record.to_json().encode("utf-8"), written)
    page = site.render_episode_page(show, ep.slug, whole.manifest, _feed_episode(show, whole))
    _write_if_changed(ep.folder / site.INDEX_NAME, page.encode("utf-8"), written)
    state = _outputs_state(_outputs(ep.folder, ep.slug))
    return None if state is None else [_episode_key(ep.slug, _digest(raw), ep.record, ep.length), state]


def _rebuild_locked(show: Show, now: datetime, dates: Mapping[str, datetime] | None = None) -> BuildResult:
    made_by = _made_by(show)
    old_stamps = _read_stamps(show, made_by)
    found, skipped = _scan(show, old_stamps)
    written: list[Path] = []
    records = {c.slug: c.record for c in found if c.record is not None}
    next_number = _last_number(show, records) + 1
    # Number new episodes in a stable order: by render time, then slug.
    new = sorted((c for c in found if c.record is None), key=lambda c: (c.manifest.rendered_at, c.slug))
    for c in new:
        records[c.slug] = _new_record(show, c.slug, c.mp3, next_number, (dates or {}).get(c.slug) or now)
        next_number += 1
    if new:
        state = json.dumps({"last_episode": next_number - 1}) + "\n"
        _write_if_changed(show.root / STATE_NAME, state.encode("utf-8"), written)
    stamps: dict[str, list[str]] = {}
    episodes: list[PublishedEpisode] = []
    for c in found:
        ep = PublishedEpisode(c.slug, c.folder, c.manifest, records[c.slug], c.mp3, c.length)
        if c.fresh:  # nothing it is made from changed, and its files are as written
            stamps[c.slug] = old_stamps[c.slug]
        else:
            try:
                stamp = _make_episode_files(show, ep, written)
            except AudiogenError as exc:  # its manifest changed for the worse since the scan
                skipped.append((c.slug, str(exc)))
                continue
            if stamp is not None:
                stamps[c.slug] = stamp
        episodes.append(ep)
    feed_eps = [_feed_episode(show, ep) for ep in episodes]
    if stamps != old_stamps:  # after the files it vouches for
        _write_stamps(show, made_by, stamps)
    _write_if_changed(show.feed_path, build_feed(show.config, show.cover_url, feed_eps), written)
    _write_if_changed(show.index_path, site.render_index(show, feed_eps).encode("utf-8"), written)
    for name, data in favicons(show.config.cover).items():
        _write_if_changed(show.root / name, data, written)
    for name, reason in skipped:
        log.warning("episode %s left out of the feed: %s", name, reason)
    return BuildResult(show, tuple(episodes), tuple(skipped), tuple(written))


def rebuild(show_dir: Path | str, *, now: datetime | None = None) -> BuildResult:
    """Rebuild sidecars, feed.xml and the site for every complete episode of a show."""
    show = load_show(show_dir)
    with fsutil.file_lock(show.lock_path):
        return _rebuild_locked(show, now or datetime.now(timezone.utc))


def publish_episode(show_dir: Path | str, manifest_path: Path | str, *, now: datetime | None = None,
                    pub_date: datetime | None = None) -> BuildResult:
    """Add (or refresh) the episode whose manifest is ``manifest_path`` and rebuild the show.

    The first publish freezes the episode's guid, pubDate (``pub_date``, e.g. a source
    feed item's date, else now), number and enclosure URL in its ``publish.json``;
    later publishes keep them.
    """
    show = load_show(show_dir)
    manifest_path = Path(manifest_path).expanduser().resolve()
    folder = manifest_path.parent
    if folder.parent != show.episodes_dir.resolve() or manifest_path.name != f"{folder.name}{MANIFEST_SUFFIX}":
        raise InputError(
            f"{manifest_path} is not an episode of the show; episodes live in "
            f"{show.episodes_dir}/<slug>/<slug>{MANIFEST_SUFFIX}"
        )
    manifest = read_manifest(manifest_path)
    if not (folder / manifest.mp3).is_file():
        raise InputError(f"episode {folder.name} cannot be published: its MP3 {manifest.mp3} is missing")
    with fsutil.file_lock(show.lock_path):
        dates = {folder.name: pub_date} if pub_date is not None else None
        result = _rebuild_locked(show, now or datetime.now(timezone.utc), dates)
    if not any(ep.slug == folder.name for ep in result.episodes):
        reason = dict(result.skipped).get(folder.name, "unknown reason")
        raise InputError(f"episode {folder.name} was not published: {reason}")
    return result
